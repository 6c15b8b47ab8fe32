//! `linedesk-server`: run the line server, or set up lines, clients and specialists.
//!
//! ```text
//! linedesk-server seed-demo --data-dir DIR --password PASSWORD
//! linedesk-server serve --config linedesk-server.toml
//! linedesk-server serve --data-dir DIR [--bind 127.0.0.1:7700] [--max-connections-per-ip 512]
//! linedesk-server add-admin --data-dir DIR --login LOGIN --password PASSWORD
//! linedesk-server revoke-tokens --data-dir DIR --login LOGIN
//! linedesk-server disable-account --data-dir DIR --login LOGIN
//! linedesk-server enable-account --data-dir DIR --login LOGIN
//! linedesk-server reset-password --data-dir DIR --login LOGIN --password PASSWORD
//! linedesk-server remove-from-line --data-dir DIR --login LOGIN --line ID
//! linedesk-server add-line --data-dir DIR --name NAME
//! linedesk-server import-clients --data-dir DIR --line ID --file clients.csv
//! linedesk-server add-client --data-dir DIR --line ID --name NAME [--login LOGIN --password PASSWORD]
//! linedesk-server add-specialist --data-dir DIR --login LOGIN --password PASSWORD --name NAME --lines 1,2
//!     [--priority 0-255] [--limit 5]
//! linedesk-server sla-levels --data-dir DIR --line ID --file levels.toml
//! linedesk-server add-ticket-queue --data-dir DIR --line ID --name NAME
//! linedesk-server quick-replies --data-dir DIR --line ID --file replies.toml
//! linedesk-server kb-import --data-dir DIR --line ID --file kb.toml
//! ```
//!
//! The TOML files are described in `linedesk_server::sla_file` and `linedesk_server::knowledge`;
//! each is checked whole first, and a file with any mistake changes nothing.

use std::collections::HashMap;
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use linedesk_protocol::{MAX_LOGIN_CHARS, MAX_NAME_CHARS, check_chars};
use linedesk_server::app::{Server, ServerOptions, now_ms, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::config::{DEFAULT_BIND, ServerConfig};
use linedesk_server::presence::OFFLINE_GRACE;
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_server::tls::serve_tls;

const USAGE: &str = "usage:
  linedesk-server serve --config linedesk-server.toml
  linedesk-server serve --data-dir DIR [--bind 127.0.0.1:7700] [--max-connections-per-ip 512]
  linedesk-server add-admin --data-dir DIR --login LOGIN --password PASSWORD
  linedesk-server revoke-tokens --data-dir DIR --login LOGIN
  linedesk-server disable-account --data-dir DIR --login LOGIN              (revokes its tokens; no new login)
  linedesk-server enable-account --data-dir DIR --login LOGIN
  linedesk-server reset-password --data-dir DIR --login LOGIN --password PASSWORD  (revokes its tokens)
  linedesk-server remove-from-line --data-dir DIR --login LOGIN --line ID   (a specialist; their appeals go back to routing)
  linedesk-server add-line --data-dir DIR --name NAME
  linedesk-server add-client --data-dir DIR --line ID --name NAME [--login LOGIN --password PASSWORD]
  linedesk-server add-specialist --data-dir DIR --login LOGIN --password PASSWORD --name NAME --lines 1,2 [--priority 0-255] [--limit 5]
  linedesk-server import-clients --data-dir DIR --line ID --file clients.csv
  linedesk-server sla-levels --data-dir DIR --line ID --file levels.toml      (replaces the line's SLA levels)
  linedesk-server add-ticket-queue --data-dir DIR --line ID --name NAME
  linedesk-server quick-replies --data-dir DIR --line ID --file replies.toml  (replaces the line's quick replies)
  linedesk-server kb-import --data-dir DIR --line ID --file kb.toml           (replaces the line's knowledge base)
  linedesk-server seed-demo --data-dir DIR --password PASSWORD                (the demo lines, as in the app)
The config file's keys: see linedesk-server.example.toml.";

fn options(args: &[String]) -> Result<HashMap<String, String>, String> {
    let mut map = HashMap::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let name = flag
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {flag:?}"))?;
        let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
        map.insert(name.to_string(), value.clone());
    }
    Ok(map)
}

fn need<'a>(opts: &'a HashMap<String, String>, name: &str) -> Result<&'a str, String> {
    opts.get(name)
        .map(String::as_str)
        .ok_or_else(|| format!("--{name} is required"))
}

/// A required text option within its limit (defined once in `linedesk_protocol::limits`).
fn name_option<'a>(
    opts: &'a HashMap<String, String>,
    name: &'static str,
    max: usize,
) -> Result<&'a str, String> {
    let value = need(opts, name)?;
    check_chars(name, value, max).map_err(|e| format!("--{name}: {e}"))?;
    Ok(value)
}

fn number(opts: &HashMap<String, String>, name: &str) -> Result<u64, String> {
    need(opts, name)?
        .parse()
        .map_err(|_| format!("--{name} must be a number"))
}

fn storage(opts: &HashMap<String, String>) -> Result<SqliteStorage, String> {
    open_storage(Path::new(need(opts, "data-dir")?))
}

fn open_storage(dir: &Path) -> Result<SqliteStorage, String> {
    SqliteStorage::open(&dir.join("server.db"))
        .map_err(|e| format!("cannot open the data dir {}: {e}", dir.display()))
}

/// The checked plan for `serve`: from the config file, or from `--data-dir` and `--bind`.
fn serve_config(opts: &HashMap<String, String>) -> Result<ServerConfig, String> {
    if let Some(file) = opts.get("config") {
        if let Some(other) = ["data-dir", "bind", "max-connections-per-ip"]
            .iter()
            .find(|o| opts.contains_key(**o))
        {
            return Err(format!(
                "--{other} goes in the config file (`data_dir`, `bind`, `[http]`), not beside --config"
            ));
        }
        return ServerConfig::load(Path::new(file)).map_err(|e| e.to_string());
    }
    let text = opts.get("bind").map_or(DEFAULT_BIND, String::as_str);
    let bind = text
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("--bind {text:?} is not an address like 127.0.0.1:7700"))?;
    let mut http = linedesk_server::config::HttpPolicy::default();
    if opts.contains_key("max-connections-per-ip") {
        http.max_connections_per_ip = usize::try_from(number(opts, "max-connections-per-ip")?)
            .ok()
            .filter(|n| *n > 0)
            .ok_or("--max-connections-per-ip must be at least 1")?;
    }
    Ok(ServerConfig {
        bind,
        data_dir: PathBuf::from(need(opts, "data-dir")?),
        tls: None,
        offline_grace: None,
        http,
        remote_password_ttl: linedesk_server::config::DEFAULT_REMOTE_PASSWORD_TTL,
        widget: Default::default(),
        guests: Default::default(),
        ice: linedesk_server::ice::IceConfig::default(),
        ring: Default::default(),
    })
}

fn run_server(config: ServerConfig) -> Result<(), String> {
    let storage =
        open_storage(&config.data_dir)?.with_remote_password_ttl(config.remote_password_ttl);
    let known = storage.lines().map_err(|e| e.to_string())?;
    if let Some(line) = config
        .widget
        .lines()
        .find(|line| !known.iter().any(|k| k.id == *line))
    {
        return Err(format!(
            "[[widget.lines]] line = {line}: there is no such line (add-line first)"
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let bind = config.bind;
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .map_err(|e| format!("cannot bind {bind}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let server = Server::with_options(
            Arc::new(storage),
            config.offline_grace.unwrap_or(OFFLINE_GRACE),
            ServerOptions {
                http: config.http,
                limits: SessionLimits::default(),
                widget: config.widget,
                guests: config.guests,
                ice: config.ice,
                ring: config.ring,
            },
        );
        // Tests and scripts read this line to learn the port.
        match config.tls {
            Some(tls) => {
                println!("listening on {address}");
                println!("tls: https:// and wss:// only");
                serve_tls(listener, server, tls).await
            }
            None => {
                println!("listening on {address}");
                serve(listener, server).await
            }
        }
        .map_err(|e| format!("server stopped: {e}"))
    })
}

fn run(args: &[String]) -> Result<(), String> {
    let (command, rest) = args.split_first().ok_or(USAGE)?;
    let opts = options(rest)?;
    match command.as_str() {
        "serve" => run_server(serve_config(&opts)?),
        "add-admin" => {
            let s = storage(&opts)?;
            let hash = hash_password(need(&opts, "password")?).map_err(|e| e.to_string())?;
            let id = s
                .add_admin(need(&opts, "login")?, &hash)
                .map_err(|e| e.to_string())?;
            println!("{id}");
            Ok(())
        }
        "revoke-tokens" => {
            let login = need(&opts, "login")?;
            match storage(&opts)?
                .revoke_login(login, now_ms())
                .map_err(|e| e.to_string())?
            {
                Some((_, count)) => {
                    println!("revoked {count} token(s) of {login}");
                    Ok(())
                }
                None => Err(format!("no account with the login {login:?}")),
            }
        }
        "disable-account" | "enable-account" => {
            let login = need(&opts, "login")?;
            let disabled = command == "disable-account";
            storage(&opts)?
                .set_account_disabled(login, disabled, now_ms())
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no account with the login {login:?}"))?;
            let done = if disabled {
                "disabled (its tokens are revoked)"
            } else {
                "enabled"
            };
            println!("{login}: {done}");
            Ok(())
        }
        "reset-password" => {
            let login = need(&opts, "login")?;
            let hash = hash_password(need(&opts, "password")?).map_err(|e| e.to_string())?;
            storage(&opts)?
                .reset_password(login, &hash, now_ms())
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no account with the login {login:?}"))?;
            println!("{login}: new password set; its tokens are revoked");
            Ok(())
        }
        "remove-from-line" => {
            let s = storage(&opts)?;
            let login = need(&opts, "login")?;
            let line = number(&opts, "line")?;
            let specialist = s
                .account_by_login(login)
                .map_err(|e| e.to_string())?
                .map(|a| a.subject)
                .filter(|subject| subject.role == linedesk_protocol::Role::Specialist)
                .ok_or_else(|| format!("no specialist with the login {login:?}"))?;
            let events = s
                .remove_from_line(specialist.id, line, now_ms())
                .map_err(|e| e.to_string())?;
            println!(
                "{login} no longer serves line {line}; {} appeal move(s)",
                events.len()
            );
            Ok(())
        }
        "add-line" => {
            println!(
                "{}",
                storage(&opts)?
                    .add_line(name_option(&opts, "name", MAX_NAME_CHARS)?)
                    .map_err(|e| e.to_string())?
            );
            Ok(())
        }
        "add-client" => {
            let s = storage(&opts)?;
            let line = number(&opts, "line")?;
            let client = s
                .add_client(line, name_option(&opts, "name", MAX_NAME_CHARS)?)
                .map_err(|e| e.to_string())?;
            if let Some(login) = opts.get("login") {
                let hash = hash_password(need(&opts, "password")?).map_err(|e| e.to_string())?;
                s.set_client_login(client, login, &hash)
                    .map_err(|e| e.to_string())?;
            }
            println!("{client}");
            Ok(())
        }
        "add-specialist" => {
            let s = storage(&opts)?;
            let hash = hash_password(need(&opts, "password")?).map_err(|e| e.to_string())?;
            let id = s
                .add_specialist(
                    name_option(&opts, "login", MAX_LOGIN_CHARS)?,
                    &hash,
                    name_option(&opts, "name", MAX_NAME_CHARS)?,
                )
                .map_err(|e| e.to_string())?;
            for line in need(&opts, "lines")?.split(',').filter(|l| !l.is_empty()) {
                let line: u64 = line
                    .trim()
                    .parse()
                    .map_err(|_| format!("bad line id {line:?}"))?;
                let priority = opts
                    .get("priority")
                    .map_or(Ok(0), |p| p.parse().map_err(|_| "--priority is 0-255"))?;
                let limit = opts
                    .get("limit")
                    .map_or(Ok(5), |l| l.parse().map_err(|_| "--limit is a number"))?;
                s.serve_line(id, line, priority, limit)
                    .map_err(|e| e.to_string())?;
            }
            println!("{id}");
            Ok(())
        }
        "import-clients" => {
            let s = storage(&opts)?;
            let file = need(&opts, "file")?;
            let bytes = std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?;
            let report = linedesk_server::import::import(&s, number(&opts, "line")?, &bytes)
                .map_err(|e| e.to_string())?;
            println!("imported {}, rejected {}", report.imported, report.rejected);
            for p in &report.problems {
                let column = if p.column.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", p.column)
                };
                println!("row {}{column}: {}", p.row, p.reason);
            }
            Ok(())
        }
        "seed-demo" => {
            let s = storage(&opts)?;
            let hash = hash_password(need(&opts, "password")?).map_err(|e| e.to_string())?;
            let cheap = |p: &str| {
                hash_password(p)
                    .map_err(|e| linedesk_server::storage::StorageError::Invalid(e.to_string()))
            };
            match linedesk_server::demo::seed_if_empty(&s, now_ms(), &hash, &cheap)
                .map_err(|e| e.to_string())?
            {
                Some(ids) => println!(
                    "seeded the demo lines {:?}; specialist {:?}; clients client-1.. with password {:?}",
                    ids.lines,
                    linedesk_demo::DEMO_SPECIALIST_LOGIN,
                    linedesk_server::demo::DEMO_CLIENT_PASSWORD
                ),
                None => println!("the demo data is there already"),
            }
            Ok(())
        }
        "sla-levels" => {
            let s = storage(&opts)?;
            let file = PathBuf::from(need(&opts, "file")?);
            let levels = linedesk_server::sla_file::load_levels(&s, number(&opts, "line")?, &file)
                .map_err(|e| e.to_string())?;
            let names: Vec<&str> = levels
                .set
                .levels()
                .iter()
                .map(|l| l.name.as_str())
                .collect();
            println!("levels: {}", names.join(", "));
            if levels.default_added {
                println!("no level named \"Default\": the built-in one was added last");
            }
            Ok(())
        }
        "add-ticket-queue" => {
            let s = storage(&opts)?;
            let id = s
                .add_ticket_queue(
                    number(&opts, "line")?,
                    name_option(&opts, "name", MAX_NAME_CHARS)?,
                )
                .map_err(|e| e.to_string())?;
            println!("{id}");
            Ok(())
        }
        "quick-replies" => {
            let s = storage(&opts)?;
            let file = PathBuf::from(need(&opts, "file")?);
            let n =
                linedesk_server::knowledge::load_quick_replies(&s, number(&opts, "line")?, &file)
                    .map_err(|e| e.to_string())?;
            println!("quick replies: {n}");
            Ok(())
        }
        "kb-import" => {
            let s = storage(&opts)?;
            let file = PathBuf::from(need(&opts, "file")?);
            let n = linedesk_server::knowledge::load_kb(&s, number(&opts, "line")?, &file)
                .map_err(|e| e.to_string())?;
            println!("articles: {n}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("linedesk-server: {message}");
            ExitCode::from(2)
        }
    }
}
