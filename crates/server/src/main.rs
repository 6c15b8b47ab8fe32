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
//! linedesk-server set-supervisor --data-dir DIR --login LOGIN --line ID [--off]
//! linedesk-server set-line-admin --data-dir DIR --login LOGIN --line ID [--off]
//! linedesk-server add-line --data-dir DIR --name NAME
//! linedesk-server import-clients --data-dir DIR --line ID --file clients.csv
//! linedesk-server add-client --data-dir DIR --line ID --name NAME [--login LOGIN --password PASSWORD]
//! linedesk-server add-specialist --data-dir DIR --login LOGIN --password PASSWORD --name NAME --lines 1,2
//!     [--priority 0-255] [--limit 5]
//! linedesk-server sla-levels --data-dir DIR --line ID --file levels.toml
//! linedesk-server add-ticket-queue --data-dir DIR --line ID --name NAME
//! linedesk-server quick-replies --data-dir DIR --line ID --file replies.toml
//! linedesk-server kb-import --data-dir DIR --line ID --file kb.toml
//! linedesk-server line-settings --data-dir DIR --line ID --file settings.toml
//! linedesk-server migrate --from-data-dir DIR --database postgres://...
//! linedesk-server backup --data-dir DIR --to FILE
//! linedesk-server restore --from FILE --data-dir DIR [--force]
//! ```
//!
//! Logs go to stderr: `--log LEVELS` (or `LINEDESK_LOG`, else `RUST_LOG`, else the config
//! file's `[log] level`; default `info`) and `--log-format human|json` (or
//! `LINEDESK_LOG_FORMAT`, else `[log] format`), on every command.
//!
//! Instead of `--data-dir DIR` (SQLite, the default), every command takes
//! `--database postgres://USER[:PASSWORD]@HOST[:PORT]/DB`: the line kept in PostgreSQL.
//!
//! The TOML files are described in `linedesk_server::sla_file`, `linedesk_server::knowledge`
//! and `linedesk_server::line_settings`;
//! each is checked whole first, and a file with any mistake changes nothing. A password can come
//! from the environment (`LINEDESK_PASSWORD`) instead of `--password`, so that it does not show
//! in the process list. The arguments are parsed by `clap` (`linedesk_server::cli`); `--help`
//! on each command.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use linedesk_server::app::{Server, ServerOptions, now_ms, serve};
use linedesk_server::auth::hash_password;
use linedesk_server::cli::{Cli, Command, DataDir, Password, ServeArgs, address};
use linedesk_server::config::{DEFAULT_BIND, ServerConfig};
use linedesk_server::log_config::LogConfig;
use linedesk_server::postgres::PgStorage;
use linedesk_server::presence::OFFLINE_GRACE;
use linedesk_server::session_limits::SessionLimits;
use linedesk_server::sqlite::SqliteStorage;
use linedesk_server::storage::Storage;
use linedesk_server::tls::serve_tls;

/// The storage `--data-dir` or `--database` names.
trait OpenStorage {
    fn open(&self) -> Result<Box<dyn Storage>, String>;
}

impl OpenStorage for DataDir {
    fn open(&self) -> Result<Box<dyn Storage>, String> {
        match (&self.database, &self.dir) {
            (Some(url), _) => Ok(Box::new(open_database(url)?)),
            (None, Some(dir)) => Ok(Box::new(open_storage(dir)?)),
            (None, None) => Err("--data-dir or --database is required".into()),
        }
    }
}

/// The password given, hashed.
trait HashPassword {
    fn hash(&self) -> Result<String, String>;
}

impl HashPassword for Password {
    fn hash(&self) -> Result<String, String> {
        hash_password(&self.password).map_err(|e| e.to_string())
    }
}

/// The URL without its password, for messages.
fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            let user = user.split(':').next().unwrap_or_default();
            format!("{}{user}{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

fn open_database(url: &str) -> Result<PgStorage, String> {
    PgStorage::open(url).map_err(|e| format!("cannot open the database {}: {e}", shown(url)))
}

fn open_storage(dir: &Path) -> Result<SqliteStorage, String> {
    SqliteStorage::open(&dir.join("server.db"))
        .map_err(|e| format!("cannot open the data dir {}: {e}", dir.display()))
}

/// The checked plan for `serve`: from the config file, or from `--data-dir` and `--bind`.
fn serve_config(args: ServeArgs) -> Result<ServerConfig, String> {
    if let Some(file) = args.config {
        return ServerConfig::load(&file).map_err(|e| e.to_string());
    }
    let mut http = linedesk_server::config::HttpPolicy::default();
    if let Some(n) = args.max_connections_per_ip {
        http.max_connections_per_ip = n as usize;
    }
    let bind = match args.bind {
        Some(bind) => bind,
        None => address(DEFAULT_BIND)?,
    };
    let (data_dir, database) = match (args.data_dir, args.database) {
        (_, Some(url)) => (PathBuf::new(), Some(url)),
        (Some(dir), None) => (dir, None),
        (None, None) => return Err("--data-dir, --database or --config is required".into()),
    };
    Ok(ServerConfig {
        bind,
        data_dir,
        database,
        tls: None,
        offline_grace: None,
        http,
        remote_password_ttl: linedesk_server::config::DEFAULT_REMOTE_PASSWORD_TTL,
        widget: Default::default(),
        guests: Default::default(),
        ice: linedesk_server::ice::IceConfig::default(),
        ring: Default::default(),
        log: LogConfig::default(),
    })
}

fn run_server(config: ServerConfig) -> Result<(), String> {
    let storage: Arc<dyn Storage> = match &config.database {
        Some(url) => {
            Arc::new(open_database(url)?.with_remote_password_ttl(config.remote_password_ttl))
        }
        None => Arc::new(
            open_storage(&config.data_dir)?.with_remote_password_ttl(config.remote_password_ttl),
        ),
    };
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
            storage,
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

fn no_account(login: &str) -> String {
    format!("no account with the login {login:?}")
}

/// A role a specialist has on a line of theirs.
enum LineRole {
    Supervisor,
    Admin,
}

/// Grant `login` a role on `line`, or take it away.
fn set_role(
    data: &DataDir,
    login: &str,
    line: u64,
    on: bool,
    role: LineRole,
) -> Result<(), String> {
    let s = data.open()?;
    let specialist = s
        .account_by_login(login)
        .map_err(|e| e.to_string())?
        .map(|a| a.subject)
        .filter(|subject| subject.role == linedesk_protocol::Role::Specialist)
        .ok_or_else(|| format!("no specialist with the login {login:?}"))?;
    let (served, now) = match role {
        LineRole::Supervisor => (
            s.set_supervisor(specialist.id, line, on),
            if on {
                "supervises"
            } else {
                "no longer supervises"
            },
        ),
        LineRole::Admin => (
            s.set_line_admin(specialist.id, line, on),
            if on {
                "administers"
            } else {
                "no longer administers"
            },
        ),
    };
    if !served.map_err(|e| e.to_string())? {
        return Err(format!("{login} does not serve line {line}"));
    }
    println!("{login} {now} line {line}");
    Ok(())
}

fn run(command: Command) -> Result<(), String> {
    let e = |e: linedesk_server::storage::StorageError| e.to_string();
    match command {
        Command::Serve(args) => run_server(serve_config(args)?),
        Command::AddAdmin {
            data,
            login,
            password,
        } => {
            let id = data
                .open()?
                .add_admin(&login, &password.hash()?)
                .map_err(e)?;
            println!("{id}");
            Ok(())
        }
        Command::RevokeTokens { data, login } => {
            match data.open()?.revoke_login(&login, now_ms()).map_err(e)? {
                Some((_, count)) => {
                    println!("revoked {count} token(s) of {login}");
                    Ok(())
                }
                None => Err(no_account(&login)),
            }
        }
        Command::DisableAccount { data, login } => {
            data.open()?
                .set_account_disabled(&login, true, now_ms())
                .map_err(e)?
                .ok_or_else(|| no_account(&login))?;
            println!("{login}: disabled (its tokens are revoked)");
            Ok(())
        }
        Command::EnableAccount { data, login } => {
            data.open()?
                .set_account_disabled(&login, false, now_ms())
                .map_err(e)?
                .ok_or_else(|| no_account(&login))?;
            println!("{login}: enabled");
            Ok(())
        }
        Command::ResetPassword {
            data,
            login,
            password,
        } => {
            data.open()?
                .reset_password(&login, &password.hash()?, now_ms())
                .map_err(e)?
                .ok_or_else(|| no_account(&login))?;
            println!("{login}: new password set; its tokens are revoked");
            Ok(())
        }
        Command::RemoveFromLine { data, login, line } => {
            let s = data.open()?;
            let specialist = s
                .account_by_login(&login)
                .map_err(e)?
                .map(|a| a.subject)
                .filter(|subject| subject.role == linedesk_protocol::Role::Specialist)
                .ok_or_else(|| format!("no specialist with the login {login:?}"))?;
            let events = s
                .remove_from_line(specialist.id, line, now_ms())
                .map_err(e)?;
            println!(
                "{login} no longer serves line {line}; {} appeal move(s)",
                events.len()
            );
            Ok(())
        }
        Command::SetSupervisor {
            data,
            login,
            line,
            off,
        } => set_role(&data, &login, line, !off, LineRole::Supervisor),
        Command::SetLineAdmin {
            data,
            login,
            line,
            off,
        } => set_role(&data, &login, line, !off, LineRole::Admin),
        Command::StaffLine { data, line, off } => {
            let line = if off { None } else { line };
            if !data.open()?.set_staff_line(line).map_err(e)? {
                return Err(format!("no line {}", line.unwrap_or_default()));
            }
            Ok(())
        }
        Command::AddLine { data, name } => {
            println!("{}", data.open()?.add_line(&name).map_err(e)?);
            Ok(())
        }
        Command::AddClient {
            data,
            line,
            name,
            login,
            password,
        } => {
            let s = data.open()?;
            // Checked before anything is written.
            let credentials = match (login, password) {
                (Some(login), Some(password)) => {
                    Some((login, hash_password(&password).map_err(|e| e.to_string())?))
                }
                _ => None,
            };
            let client = s.add_client(line, &name).map_err(e)?;
            if let Some((login, hash)) = credentials {
                s.set_client_login(client, &login, &hash).map_err(e)?;
            }
            println!("{client}");
            Ok(())
        }
        Command::AddSpecialist {
            data,
            login,
            password,
            name,
            lines,
            priority,
            limit,
        } => {
            let s = data.open()?;
            let id = s
                .add_specialist(&login, &password.hash()?, &name)
                .map_err(e)?;
            for line in lines {
                s.serve_line(id, line, priority, limit).map_err(e)?;
            }
            println!("{id}");
            Ok(())
        }
        Command::ImportClients { data, line, file } => {
            let s = data.open()?;
            let bytes = std::fs::read(&file)
                .map_err(|err| format!("cannot read {}: {err}", file.display()))?;
            let report = linedesk_server::import::import(s.as_ref(), line, &bytes)
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
        Command::SeedDemo { data, password } => {
            let s = data.open()?;
            let hash = password.hash()?;
            let cheap = |p: &str| {
                hash_password(p)
                    .map_err(|e| linedesk_server::storage::StorageError::Invalid(e.to_string()))
            };
            match linedesk_server::demo::seed_if_empty(s.as_ref(), now_ms(), &hash, &cheap)
                .map_err(e)?
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
        Command::SlaLevels { data, line, file } => {
            let s = data.open()?;
            let levels = linedesk_server::sla_file::load_levels(s.as_ref(), line, &file)
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
        Command::AddTicketQueue { data, line, name } => {
            let id = data.open()?.add_ticket_queue(line, &name).map_err(e)?;
            println!("{id}");
            Ok(())
        }
        Command::QuickReplies { data, line, file } => {
            let s = data.open()?;
            let n = linedesk_server::knowledge::load_quick_replies(s.as_ref(), line, &file)
                .map_err(|e| e.to_string())?;
            println!("quick replies: {n}");
            Ok(())
        }
        Command::LineSettings { data, line, file } => {
            let s = data.open()?;
            let set = linedesk_server::line_settings::load_line_settings(s.as_ref(), line, &file)
                .map_err(|e| e.to_string())?;
            println!(
                "auto-finish minutes: {}; closing phrases: {}",
                set.auto_finish_minutes,
                set.closing_phrases.len()
            );
            Ok(())
        }
        Command::KbImport { data, line, file } => {
            let s = data.open()?;
            let n = linedesk_server::knowledge::load_kb(s.as_ref(), line, &file)
                .map_err(|e| e.to_string())?;
            println!("articles: {n}");
            Ok(())
        }
        Command::Migrate {
            from_data_dir,
            database,
        } => migrate(&from_data_dir, &database),
        Command::Backup { data_dir, to } => {
            let copied = linedesk_server::backup::backup(&data_dir, &to, now_ms())
                .map_err(|e| e.to_string())?;
            println!(
                "backed up {} with {} recording(s) into {}",
                data_dir.display(),
                copied.recordings,
                to.display()
            );
            Ok(())
        }
        Command::Restore {
            from,
            data_dir,
            force,
        } => {
            let copied = linedesk_server::backup::restore(&from, &data_dir, force)
                .map_err(|e| e.to_string())?;
            println!(
                "restored the backup taken at {} ms with {} recording(s) into {}",
                copied.taken_ms,
                copied.recordings,
                data_dir.display()
            );
            Ok(())
        }
    }
}

/// The audit log's line for a command that changes accounts or roles.
fn audit_command(command: &Command) {
    let (name, login) = match command {
        Command::AddAdmin { login, .. } => ("add-admin", Some(login)),
        Command::RevokeTokens { login, .. } => ("revoke-tokens", Some(login)),
        Command::DisableAccount { login, .. } => ("disable-account", Some(login)),
        Command::EnableAccount { login, .. } => ("enable-account", Some(login)),
        Command::ResetPassword { login, .. } => ("reset-password", Some(login)),
        Command::RemoveFromLine { login, .. } => ("remove-from-line", Some(login)),
        Command::SetSupervisor { login, .. } => ("set-supervisor", Some(login)),
        Command::SetLineAdmin { login, .. } => ("set-line-admin", Some(login)),
        Command::AddSpecialist { login, .. } => ("add-specialist", Some(login)),
        Command::Restore { .. } => ("restore", None),
        _ => return,
    };
    linedesk_server::audit::admin_command(name, login.map(String::as_str));
}

/// `migrate`: the data dir's server copied into the database, a line per table copied.
fn migrate(from: &Path, database: &str) -> Result<(), String> {
    // Opening a missing file would make an empty server: a mistyped path is refused instead.
    if !from.join("server.db").is_file() {
        return Err(format!(
            "{} has no server.db: not a line server's data dir",
            from.display()
        ));
    }
    let source = open_storage(from)?;
    let target = open_database(database)?;
    let copied = linedesk_server::transfer::copy(&source, &target, &mut |table, rows| {
        println!("{table}: {rows}");
    })
    .map_err(|e| e.to_string())?;
    let rows: u64 = copied.iter().map(|(_, n)| n).sum();
    println!(
        "copied {rows} rows of {} tables into {}",
        copied.len(),
        shown(database)
    );
    Ok(())
}

/// What `main` runs: `serve` with its config already read, or another command.
enum Task {
    Serve(Box<ServerConfig>),
    Other(Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `serve` reads its config before logging starts: the file's `[log]` is the base that
    // LINEDESK_LOG (else RUST_LOG), LINEDESK_LOG_FORMAT and --log/--log-format override.
    let (task, file_log) = match cli.command {
        Command::Serve(args) => match serve_config(args) {
            Ok(config) => {
                let log = config.log.settings();
                (Task::Serve(Box::new(config)), log)
            }
            Err(message) => {
                eprintln!("linedesk-server: {message}");
                return ExitCode::from(2);
            }
        },
        other => (Task::Other(other), LogConfig::default().settings()),
    };
    let settings = linedesk_logging::Settings::from_env_over(file_log)
        .and_then(|s| s.with(cli.log.as_deref(), cli.log_format.as_deref()))
        .and_then(|s| linedesk_logging::init(&s));
    if let Err(e) = settings {
        eprintln!("linedesk-server: {e}");
        return ExitCode::from(2);
    }
    let result = match task {
        Task::Serve(config) => run_server(*config),
        Task::Other(command) => {
            audit_command(&command);
            run(command)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("linedesk-server: {message}");
            ExitCode::from(2)
        }
    }
}
