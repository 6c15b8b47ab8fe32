//! Every IPC command of the app refuses garbage, and none of them falls over on hostile
//! values. The commands and their arguments are read from `ui/src/bindings.ts` (generated from
//! the Rust commands), so a command added later is covered without touching this test.
//!
//! The real app on the embedded line server with the demo data, through WebDriver:
//! 1. Every argument of the wrong type (an object where a number, text, flag or record is
//!    expected): the command must answer an error, and nothing is written.
//! 2. Hostile values of the right type (negative and huge ids, empty and 100,000-character
//!    texts): the command may answer or refuse, but a refusal is the typed `{code, message}`
//!    the UI translates (or, for a number out of an unsigned argument's range, the IPC
//!    layer's refusal before the command runs), never a crash or an untyped failure.
//! 3. Afterwards the app still answers and its chat list is what it was.

use linedesk_e2e::{App, Desktop, by_testid};
use serde_json::{Value, json};

/// One command as the bindings declare it: its name and its arguments' names and types.
#[derive(Debug)]
struct Command {
    name: String,
    args: Vec<(String, String)>,
}

/// The commands of `ui/src/bindings.ts` that take arguments (a line per command:
/// `\tname: (a: number, b: string | null) => typedError<..>(__TAURI_INVOKE("snake", { a, b })),`).
fn commands() -> Vec<Command> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/bindings.ts");
    let text = std::fs::read_to_string(path).expect("ui/src/bindings.ts");
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(invoke) = line.find("__TAURI_INVOKE(\"") else {
            continue;
        };
        let rest = &line[invoke + "__TAURI_INVOKE(\"".len()..];
        let Some(name) = rest.split('"').next() else {
            continue;
        };
        let (Some(open), Some(close)) = (line.find(": ("), line.find(") =>")) else {
            continue;
        };
        let params = &line[open + 3..close];
        if params.trim().is_empty() {
            continue;
        }
        let args = split_params(params)
            .into_iter()
            .filter_map(|p| {
                let (arg, ty) = p.split_once(':')?;
                Some((arg.trim().to_string(), ty.trim().to_string()))
            })
            .collect();
        out.push(Command {
            name: name.to_string(),
            args,
        });
    }
    out
}

/// Split `a: number, b: Channel<X>, c: { x: number }` at the top-level commas.
fn split_params(params: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in params.char_indices() {
        match c {
            '<' | '{' | '(' | '[' => depth += 1,
            '>' | '}' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&params[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&params[start..]);
    parts
}

/// A channel argument cannot be sent from here (the page's `Channel` object): such commands
/// are left to their own scenarios.
fn takes_a_channel(c: &Command) -> bool {
    c.args.iter().any(|(_, ty)| ty.starts_with("Channel<"))
}

/// A hostile value of the right type, or `None` for a type this test does not vary.
fn hostile(ty: &str, round: usize) -> Option<Value> {
    let base = ty.trim_end_matches(" | null").trim();
    match base {
        "number" => Some(match round {
            0 => json!(-1),
            1 => json!(9_007_199_254_740_991_i64),
            _ => json!(0),
        }),
        "string" => Some(match round {
            0 => json!(""),
            1 => json!("ж".repeat(100_000)),
            _ => json!("<script>alert(1)</script>\u{0}"),
        }),
        "boolean" => Some(json!(round == 0)),
        _ => None,
    }
}

async fn invoke(app: &App, command: &str, args: &Value) -> Value {
    app.client
        .execute_async(
            "const [cmd, args, done] = arguments;
             window.__TAURI_INTERNALS__.invoke(cmd, args)
               .then(v => done({ok: v === undefined ? null : v}), e => done({err: e}));",
            vec![json!(command), args.clone()],
        )
        .await
        .unwrap_or_else(|e| panic!("{command}: the page did not answer: {e}"))
}

/// Commands whose hostile-but-well-typed calls would act for real on the desktop (a file
/// dialog, a device, the call's audio) rather than on data: only their wrong types are sent.
const ACTS_ON_THE_DESKTOP: &[&str] = &["save_csv", "save_recording_copy", "download_file"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ipc_command_refuses_garbage_and_types_its_refusals() {
    let commands = commands();
    assert!(
        commands.len() >= 80,
        "only {} commands with arguments found in bindings.ts",
        commands.len()
    );
    let data = tempfile::tempdir().expect("data dir");
    let desktop = Desktop::start();
    let app = desktop.launch(data.path()).await;
    app.sync_state("in_sync").await;
    let rows_before = app
        .client
        .find_all(fantoccini::Locator::Css(&by_testid("client-row")))
        .await
        .expect("rows")
        .len();

    let mut accepted_garbage = Vec::new();
    let mut untyped = Vec::new();
    for command in commands.iter().filter(|c| !takes_a_channel(c)) {
        // 1. Every argument of the wrong type.
        let garbage: serde_json::Map<String, Value> = command
            .args
            .iter()
            .map(|(arg, _)| (arg.clone(), json!({ "garbage": [1, "x", null] })))
            .collect();
        let outcome = invoke(&app, &command.name, &Value::Object(garbage)).await;
        if outcome.get("err").is_none() {
            accepted_garbage.push(format!("{}: {outcome}", command.name));
        }
        // 2. Hostile values of the right type: answered, or refused with a typed error.
        if ACTS_ON_THE_DESKTOP.contains(&command.name.as_str()) {
            continue;
        }
        for round in 0..3 {
            let Some(args) = command
                .args
                .iter()
                .map(|(arg, ty)| hostile(ty, round).map(|v| (arg.clone(), v)))
                .collect::<Option<serde_json::Map<String, Value>>>()
            else {
                break;
            };
            let outcome = invoke(&app, &command.name, &Value::Object(args)).await;
            // A number out of the argument's range (`-1` for a `u32`: TypeScript's `number`
            // does not say) is refused where the arguments are read, before the command runs.
            let out_of_range = |e: &Value| {
                e.as_str().is_some_and(|m| {
                    m.starts_with("invalid args") && m.contains("invalid value: integer")
                })
            };
            if let Some(err) = outcome.get("err")
                && !out_of_range(err)
                && !(err.get("code").is_some_and(Value::is_string)
                    && err.get("message").is_some_and(Value::is_string))
            {
                untyped.push(format!("{} (round {round}): {err}", command.name));
            }
        }
    }
    assert!(
        accepted_garbage.is_empty(),
        "commands that accepted arguments of the wrong type:\n{}",
        accepted_garbage.join("\n")
    );
    assert!(
        untyped.is_empty(),
        "refusals without a typed code:\n{}",
        untyped.join("\n")
    );

    // 3. Still alive, and the list is what it was.
    let info = invoke(&app, "app_info", &json!({})).await;
    assert!(
        info.get("ok").is_some(),
        "app_info after the garbage: {info}"
    );
    let rows_after = app
        .client
        .find_all(fantoccini::Locator::Css(&by_testid("client-row")))
        .await
        .expect("rows")
        .len();
    assert_eq!(rows_before, rows_after, "the client list changed");
    app.quit().await;
}
