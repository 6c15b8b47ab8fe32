#!/usr/bin/env bash
# Linedesk: one entry point for setting up, running and testing, on Debian 12.
#
#   ./dev.sh run     set up everything (apt, npm, build) and run the app with the demo line
#   ./dev.sh assist  build and run the client's assistant window (remote help)
#   ./dev.sh test    set up everything and run every test (what CI runs, via .ci/run)
#   ./dev.sh setup   only set up (system packages, npm packages, tauri-driver)
#   ./dev.sh bench   run the benchmarks (figures go in BENCHMARKS.md)
#   ./dev.sh bench-app     the release app's idle memory, start to the clients list, binary size
#   ./dev.sh package       build the Debian packages into $CARGO_TARGET_DIR/debian
#   ./dev.sh package-test  install them into a clean Debian 12 root, run the server, lintian
#
# Idempotent: each step checks what is already there and skips it. System packages need root
# (or sudo). CARGO_TARGET_DIR is honoured; .ci/run keeps it outside the clone.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Build and run the Tauri 2 shell (webkit2gtk 4.1, libsoup 3, librsvg, appindicator, xdo).
APT_BUILD=(build-essential pkg-config libwebkit2gtk-4.1-dev libsoup-3.0-dev librsvg2-dev
  libayatana-appindicator3-dev libxdo-dev
  # Voice: libopus is built from source by the opus crate (cmake); cpal's ALSA backend.
  cmake libasound2-dev)
# Headless runs and end-to-end tests: X server, D-Bus session, WebKitWebDriver, screenshots.
APT_TEST=(xvfb dbus-x11 webkit2gtk-driver imagemagick
  # Audio without a sound card: speech made by espeak-ng and sox, a PulseAudio null sink.
  espeak-ng sox pulseaudio pulseaudio-utils libasound2-plugins
  # Remote sessions: an xterm to drive on the virtual display, xwd to screenshot it.
  xterm x11-apps
  # NAT traversal: a real TURN server (coturn) on loopback for the relay-only call tests.
  coturn
  # The client's web widget in a real browser (driven by playwright-core from ui/'s npm).
  chromium
  # The incoming call's notification against a real notification service on a private
  # D-Bus session (src-tauri/tests/call_notification.rs): the service, gdbus, dbus-monitor.
  notification-daemon libglib2.0-bin dbus-bin
  # WB-PESQ of speech under loss: a venv with numpy, scipy and pesq from PyPI (setup_pesq).
  python3-venv python3-dev
  # The line server on PostgreSQL: tests start a throwaway PostgreSQL 15 cluster of their own
  # (initdb + pg_ctl in a temporary directory, crates/pgtest); no running service is used.
  postgresql
  # Calls through a PBX (issue 18): tests start Kamailio as the registrar and proxy, SIPp
  # scenarios as the far end and baresip as a media peer, on loopback (crates/siptest); the
  # packages' own services are not used.
  kamailio sip-tester baresip)

# Debian packages: lintian checks them, mmdebstrap makes the clean root the test installs into.
APT_PACKAGE=(lintian mmdebstrap curl)

step() { printf '\n== %s (%s)\n' "$*" "$(date +%H:%M:%S)"; }
die() { printf 'dev.sh: %s\n' "$*" >&2; exit 1; }

apt_missing() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || printf '%s ' "$pkg"
  done
}

setup_system() {
  local missing
  missing=$(apt_missing "$@")
  [ -z "$missing" ] && return 0
  step "apt-get install $missing"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq $missing
}

check_toolchains() {
  command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup first"
  command -v npm >/dev/null || die "npm is missing: install Node.js 20.19 or newer"
  local node_major
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$node_major" -ge 20 ] || die "Node.js $(node -v) is too old: Vite 8 needs 20.19 or newer"
}

setup_npm() {
  local stamp=ui/node_modules/.linedesk-lock
  if [ -f "$stamp" ] && cmp -s ui/package-lock.json "$stamp"; then return 0; fi
  step "npm ci"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  cp ui/package-lock.json "$stamp"
}

setup_tauri_driver() {
  command -v tauri-driver >/dev/null && return 0
  step "cargo install tauri-driver"
  cargo install tauri-driver --version '^2' --locked
}

# Build the front end into ui/dist, the client's web widget into ui/dist-widget and the
# assistant's window into ui/dist-assist, touching each only when its output changed, so an
# unchanged UI does not make cargo rebuild the shells (tauri-build watches ui/dist and
# ui/dist-assist) or the server (its build.rs embeds ui/dist-widget).
build_ui() {
  step "build ui"
  (cd ui && npx vite build --logLevel warn --outDir .dist-new --emptyOutDir)
  replace_if_changed ui/.dist-new ui/dist
  step "build the web widget"
  (cd ui && npx vite build --config vite.widget.config.ts --logLevel warn \
    --outDir .dist-widget-new --emptyOutDir)
  replace_if_changed ui/.dist-widget-new ui/dist-widget
  step "build the assistant's window"
  (cd ui && npx vite build --config vite.assist.config.ts --logLevel warn \
    --outDir .dist-assist-new --emptyOutDir)
  replace_if_changed ui/.dist-assist-new ui/dist-assist
}

# Headset buttons: the seat user may open the headsets' hidraw nodes (README, "Headset buttons").
# Best effort: without root or sudo, or without udev running (containers, CI), it says so and
# goes on; the app then reports the headset as unusable, and everything else works.
install_udev_rule() {
  local rule=packaging/udev/70-linedesk-headsets.rules
  local dest=/etc/udev/rules.d/70-linedesk-headsets.rules
  cmp -s "$rule" "$dest" 2>/dev/null && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if sudo -n true 2>/dev/null; then sudo=(sudo); else
      echo "Headset buttons: install $rule into /etc/udev/rules.d/ as root (see README)."
      return 0
    fi
  fi
  step "udev rule for headset buttons ($dest)"
  "${sudo[@]}" mkdir -p /etc/udev/rules.d && "${sudo[@]}" install -m 0644 "$rule" "$dest" || {
    echo "Headset buttons: could not install $dest; see README."
    return 0
  }
  if command -v udevadm >/dev/null && "${sudo[@]}" udevadm control --reload 2>/dev/null; then
    "${sudo[@]}" udevadm trigger --subsystem-match=hidraw 2>/dev/null || true
  else
    echo "udev is not running here: the rule applies from the next boot (or udev start)."
  fi
}

replace_if_changed() {
  if ! diff -rq "$1" "$2" >/dev/null 2>&1; then
    rm -rf "$2" && mv "$1" "$2"
  else
    rm -rf "$1"
  fi
}

# WB-PESQ (ITU-T P.862.2) for the engine's speech-quality test and bench: numpy, scipy and
# pesq from PyPI in a venv beside the build, where crates/engine/tests/speech_quality.rs looks.
setup_pesq() {
  local venv="$CARGO_TARGET_DIR/pesq-venv"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import numpy, scipy, pesq' 2>/dev/null; then
    return 0
  fi
  step "python venv for WB-PESQ ($venv)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q numpy scipy pesq
}

setup() {
  check_toolchains
  setup_system "${APT_BUILD[@]}" "$@"
  setup_npm
}

cmd_run() {
  setup "${APT_TEST[@]}"
  install_udev_rule
  build_ui
  step "cargo build (app)"
  cargo build -p linedesk
  local app="$CARGO_TARGET_DIR/debug/linedesk"
  local wrap=()
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    # No display (a server or CI box): run on a virtual one and say where.
    Xvfb :77 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
    export DISPLAY=:77 WEBKIT_DISABLE_COMPOSITING_MODE=1
    echo "No display found: the app runs on the virtual display :77 (Xvfb)."
    sleep 1
  fi
  [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || wrap=(dbus-run-session --)
  step "run $app (demo line seeded on first start)"
  exec "${wrap[@]}" "$app" "$@"
}

cmd_assist() {
  setup
  build_ui
  step "cargo build (assistant window)"
  cargo build -p linedesk-assist-window
  exec "$CARGO_TARGET_DIR/debug/linedesk-assist-window" "$@"
}

cmd_test() {
  setup "${APT_TEST[@]}"
  setup_tauri_driver
  setup_pesq
  step "ui: type check"
  (cd ui && npm run --silent check)
  step "ui: unit tests"
  (cd ui && npm test --silent)
  build_ui
  step "cargo fmt --check"
  cargo fmt --all --check
  step "cargo clippy"
  cargo clippy --workspace --all-targets --quiet -- -D warnings
  step "cargo build (app, assistant, assistant window and server binaries for the end-to-end tests)"
  cargo build -p linedesk -p linedesk-assist -p linedesk-assist-window -p linedesk-server
  step "cargo test (unit, property, store, end-to-end, the widget in Chromium)"
  # build_ui above built the web widget: a server test finding it missing is a failure.
  LINEDESK_REQUIRE_WIDGET=1 cargo test --workspace --no-fail-fast
  # Issue 17: the same server wire tests again on PostgreSQL (a throwaway cluster per test world,
  # crates/pgtest); the binaries are the ones just built. The set that builds its world through
  # tests/common's test_storage (the others open SQLite themselves); about 2 minutes on 2 busy
  # cores. The contract suite, across_servers, routing_across and timer_leader run on
  # PostgreSQL always, above.
  step "cargo test: the server's wire tests on PostgreSQL"
  LINEDESK_TEST_BACKEND=postgres cargo test -p linedesk-server --no-fail-fast \
    --test wire --test routing --test calls --test chat_watch --test login_throttle \
    --test revocation --test waiting --test sla --test workstation
  step "done"
}

setup_package_tools() {
  setup_system "${APT_PACKAGE[@]}"
  command -v cargo-deb >/dev/null && return 0
  step "cargo install cargo-deb"
  cargo install cargo-deb --version '^3' --locked
}

# The packages, release builds: linedesk-server and linedesk-assist by cargo-deb, the app by
# the Tauri bundler (@tauri-apps/cli, a devDependency of ui/), each with its man pages.
cmd_package() {
  setup
  setup_package_tools
  build_ui
  local out="$CARGO_TARGET_DIR/debian" man="$CARGO_TARGET_DIR/release/man"
  step "man pages ($man)"
  rm -rf "$man"
  cargo run --release -q -p linedesk-manpages -- "$man"
  gzip -9nf "$man"/*.1
  mkdir -p "$out"
  # One cargo build for the server's and the assistant's binaries (cargo-deb alone would build
  # the whole workspace, the app without the bundler's features included).
  step "cargo build --release (server, assistant)"
  cargo build --release -p linedesk-server -p linedesk-assist -p linedesk-assist-window
  step "linedesk-server, linedesk-assist (cargo-deb)"
  cargo deb -p linedesk-server --no-build --output "$out"
  cargo deb -p linedesk-assist --no-build --output "$out"
  step "linedesk (tauri build --bundles deb)"
  local extra
  extra=$(printf '{"bundle":{"linux":{"deb":{"files":{"/usr/share/man/man1/linedesk.1.gz":"%s"}}}}}' \
    "$man/linedesk.1.gz")
  (cd src-tauri && ../ui/node_modules/.bin/tauri build --ci --bundles deb --config "$extra")
  cp "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb "$out/"
  step "packages"
  ls -l "$out"/*.deb
}

cmd_package_test() {
  setup_package_tools
  packaging/package-test.sh "$CARGO_TARGET_DIR/debian"
}

cmd_bench() {
  setup "${APT_TEST[@]}"
  build_ui
  cargo bench --workspace "$@"
  # Speech quality under loss (WB-PESQ) and mouth-to-ear through the whole engine, release.
  setup_pesq
  cargo build --release -q -p linedesk-engine --features loopback --bin linedesk-voice
  "$CARGO_TARGET_DIR/pesq-venv/bin/python" crates/engine/bench/speech_quality.py \
    --bin "$CARGO_TARGET_DIR/release/linedesk-voice"
  # Remote sessions over loopback WebRTC on its own Xvfb (a binary, not a criterion bench).
  cargo run --release -q -p linedesk-remote --bin remote-bench
}

# Issue 19, item 6: the release app as the package ships it (tauri build, no bundle), measured
# by src-tauri/bench/app_bench.py (options after bench-app go to it: --settle, --starts, --only).
cmd_bench_app() {
  setup "${APT_TEST[@]}"
  setup_tauri_driver
  build_ui
  step "linedesk, release (tauri build --no-bundle)"
  (cd src-tauri && ../ui/node_modules/.bin/tauri build --ci --no-bundle)
  step "bench the app"
  src-tauri/bench/app_bench.py --app "$CARGO_TARGET_DIR/release/linedesk" "$@"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  assist) shift; cmd_assist "$@" ;;
  test) shift; cmd_test "$@" ;;
  setup) setup "${APT_TEST[@]}"; setup_tauri_driver; setup_pesq; setup_package_tools ;;
  bench) shift; cmd_bench "$@" ;;
  package) cmd_package ;;
  package-test) cmd_package_test ;;
  bench-app) shift; cmd_bench_app "$@" ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
