use std::io::Write;
use std::sync::{Arc, Mutex};

use super::*;

/// A writer into a shared buffer (what the subscriber printed).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for Captured {
    type Writer = Captured;
    fn make_writer(&'w self) -> Captured {
        self.clone()
    }
}

#[derive(Debug, serde::Deserialize)]
struct LoginRequest {
    login: String,
    password: Secret,
}

#[test]
fn a_secret_prints_redacted_and_serializes_as_itself() {
    let secret = Secret::from("пароль-42");
    assert_eq!(format!("{secret:?} {secret}"), "[redacted] [redacted]");
    assert_eq!(secret.expose(), "пароль-42");
    assert_eq!(
        serde_json::to_string(&secret).expect("json"),
        "\"пароль-42\""
    );
    let request: LoginRequest =
        serde_json::from_str(r#"{"login":"ivanova","password":"пароль-42"}"#).expect("json");
    assert_eq!(request.password.expose(), "пароль-42");
    let shown = format!("{request:?}");
    assert!(
        shown.contains("ivanova") && !shown.contains("пароль-42"),
        "{shown}"
    );
}

/// One subscriber per process: this is the only test that installs one.
#[test]
fn json_lines_with_levels_from_the_filter_and_no_secret() {
    let captured = Captured::default();
    let settings = Settings {
        filter: "warn,audit=info".into(),
        format: Format::Json,
    };
    install(&settings, captured.clone()).expect("install");
    let request = LoginRequest {
        login: "ivanova".into(),
        password: Secret::from("пароль-42"),
    };
    let token = Secret::from("tok-3f9a");
    tracing::info!(target: AUDIT, login = %request.login, request = ?request, "login failed");
    tracing::warn!(token = %token, token_debug = ?token, "an action carrying a token");
    tracing::info!("not shown: below warn outside the audit target");
    let text = String::from_utf8(captured.0.lock().expect("buffer").clone()).expect("utf-8");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "two events pass the filter: {text}");
    assert_eq!(lines[0]["target"], "audit", "{text}");
    assert_eq!(lines[0]["fields"]["login"], "ivanova", "{text}");
    assert_eq!(lines[1]["level"], "WARN", "{text}");
    assert!(
        !text.contains("пароль-42") && !text.contains("tok-3f9a"),
        "a secret was logged: {text}"
    );
    assert!(text.contains("[redacted]"), "{text}");
}

#[test]
fn settings_refuse_a_bad_format_or_filter() {
    assert!(matches!(
        Format::parse("xml"),
        Err(SettingsError::Format(_))
    ));
    assert_eq!(Format::parse("JSON").expect("json"), Format::Json);
    let bad = Settings {
        filter: "linedesk_server=loud".into(),
        format: Format::Human,
    };
    assert!(matches!(bad.env_filter(), Err(SettingsError::Filter(..))));
    assert!(matches!(
        Settings::check_filter("linedesk_server=loud"),
        Err(SettingsError::Filter(..))
    ));
    Settings::check_filter("warn,audit=info").expect("a good filter");
    let set = Settings {
        filter: "info".into(),
        format: Format::Human,
    }
    .with(Some("debug"), Some("json"))
    .expect("settings");
    assert_eq!(set.filter, "debug");
    assert_eq!(set.format, Format::Json);
}
