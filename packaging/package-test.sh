#!/usr/bin/env bash
# The packages in a clean Debian 12 root (./dev.sh package-test; issue 19).
#
#   packaging/package-test.sh DEB_DIR
#
# For each package of DEB_DIR: lintian, with no error allowed. Then a clean bookworm root
# (mmdebstrap from the Debian mirror, cached as a tarball beside the build: made once, about a
# minute) is unpacked into a temporary directory; linedesk-server's package is installed there
# with dpkg (its postinst makes the service's user), the line and a specialist are added with
# the packaged CLI as that user, the server is started as the unit says (its ExecStart, User,
# StateDirectory) on a free port written into the packaged config as an operator would, and
# the specialist signs in over HTTP. The assistant's and the app's packages are installed
# with apt, which fetches their libraries from the mirror. Needs root (chroot).
set -euo pipefail
DEBS=$(cd "${1:?usage: package-test.sh DEB_DIR}" && pwd)
CACHE="${CARGO_TARGET_DIR:?}/package-test"
ROOT_TAR="$CACHE/bookworm-apt.tar"
step() { printf '\n== %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }
fail() { printf 'package-test: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (chroot)"

one() {
  local found
  found=$(find "$DEBS" -maxdepth 1 -name "$1" | sort | tail -n 1)
  [ -n "$found" ] || fail "no $1 in $DEBS (run ./dev.sh package first)"
  printf '%s' "$found"
}
SERVER_DEB=$(one 'linedesk-server_*_amd64.deb')
ASSIST_DEB=$(find "$DEBS" -maxdepth 1 -name 'linedesk-assist_*_amd64.deb' | sort | tail -n 1)
APP_DEB=$(find "$DEBS" -maxdepth 1 -name 'linedesk_*_amd64.deb' | sort | tail -n 1)

step "lintian"
for deb in "$SERVER_DEB" $ASSIST_DEB $APP_DEB; do
  # Errors fail the test; warnings are printed for the report.
  lintian --fail-on error --no-tag-display-limit "$deb" || fail "lintian: errors in $deb"
done

mkdir -p "$CACHE"
if [ ! -s "$ROOT_TAR" ]; then
  step "a clean Debian 12 root (mmdebstrap, cached in $ROOT_TAR)"
  # mmdebstrap picks the format by the name's ending: keep ".tar" last.
  mmdebstrap --quiet --variant=apt --include=adduser,ca-certificates bookworm "$CACHE/new.tar"
  mv "$CACHE/new.tar" "$ROOT_TAR"
fi
WORK=$(mktemp -d /var/tmp/linedesk-package-test.XXXXXX)
SERVER_PID=""
cleanup() {
  # A failure with the server still running: stop it (its exit status must not end the
  # cleanup under set -e before the root is removed).
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
ROOT="$WORK/root"
mkdir "$ROOT"
tar -C "$ROOT" -xf "$ROOT_TAR"
in_root() { chroot "$ROOT" "$@"; }

step "install linedesk-server"
cp "$SERVER_DEB" "$ROOT/tmp/server.deb"
in_root dpkg -i /tmp/server.deb
in_root sh -c 'command -v linedesk-server' >/dev/null || fail "linedesk-server is not on PATH"
in_root linedesk-server --version
in_root getent passwd linedesk-server >/dev/null || fail "the postinst made no linedesk-server user"
UNIT=$(find "$ROOT/lib/systemd/system" "$ROOT/usr/lib/systemd/system" -name linedesk-server.service 2>/dev/null | head -n 1)
[ -n "$UNIT" ] || fail "no linedesk-server.service in the package"
for key in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes StateDirectory=linedesk-server; do
  grep -qx "$key" "$UNIT" || fail "the unit lacks $key"
done
[ -f "$ROOT/usr/share/man/man1/linedesk-server.1.gz" ] || fail "no man page linedesk-server(1)"
unit_value() { sed -n "s/^$1=//p" "$UNIT" | head -n 1; }
EXEC=$(unit_value ExecStart)
USER_=$(unit_value User)
STATE=/var/lib/$(unit_value StateDirectory)

step "start the server as the unit says: $EXEC (as $USER_)"
# What systemd does for StateDirectory=: the directory, owned by the service's user.
mkdir -p "$ROOT$STATE"
in_root chown "$USER_:$USER_" "$STATE"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The operator's edit of the packaged config: this test's port.
sed -i "s/^bind = .*/bind = \"127.0.0.1:$PORT\"/" "$ROOT/etc/linedesk/linedesk-server.toml"
as_user() { chroot --userspec="$USER_:$USER_" "$ROOT" env HOME=/ "$@"; }
LINE=$(as_user linedesk-server add-line --data-dir "$STATE" --name "Линия поддержки")
LINEDESK_PASSWORD='a long test password' as_user linedesk-server add-specialist \
  --data-dir "$STATE" --login anna --name "Анна" --lines "$LINE" >/dev/null
# The log exists before the server starts: the wait below reads it at once.
: >"$WORK/server.log"
# shellcheck disable=SC2086
as_user $EXEC >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  grep -q "^listening on" "$WORK/server.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the server stopped: $(cat "$WORK/server.log")"
  sleep 0.1
done
grep -q "^listening on 127.0.0.1:$PORT" "$WORK/server.log" ||
  fail "the server did not say it listens on $PORT: $(cat "$WORK/server.log")"

step "sign in over HTTP"
REPLY=$(curl -sS -X POST -H 'Content-Type: application/json' \
  -d '{"login":"anna","password":"a long test password"}' "http://127.0.0.1:$PORT/api/login")
case "$REPLY" in
  *'"token":"'*) echo "signed in: $(printf '%s' "$REPLY" | cut -c1-60)..." ;;
  *) fail "no token from /api/login: $REPLY" ;;
esac
# By number: the service's user exists in the root, not on this machine.
[ "$(stat -c %u "$ROOT$STATE/server.db")" = "$(in_root id -u "$USER_")" ] ||
  fail "server.db is not the service user's"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

if [ -n "$ASSIST_DEB" ] || [ -n "$APP_DEB" ]; then
  step "install the assistant and the app with apt (their libraries from the mirror)"
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  in_root apt-get update -qq
  for deb in $ASSIST_DEB $APP_DEB; do
    cp "$deb" "$ROOT/tmp/"
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "/tmp/$(basename "$deb")" >/dev/null
  done
  [ -z "$ASSIST_DEB" ] || { in_root linedesk-assist --version && in_root linedesk-assist-window --version; }
  [ -z "$APP_DEB" ] || {
    in_root linedesk --version
    [ -f "$ROOT/usr/lib/udev/rules.d/70-linedesk-headsets.rules" ] || fail "no headset udev rule"
    find "$ROOT/usr/share/applications" -name '*.desktop' | grep -q . || fail "no desktop entry"
  }
fi
step "packages installed and the server signed a specialist in"
