//! The shared answers in `events/expected/`: the crate reads every sample event a handler
//! sees, and every extra case there, as the Node and Python readers do.
//!
//! Each event goes through `lambda_http` exactly as a deployed function receives it; the
//! crate's answer is serialized to the shared JSON shape (`events/expected/README.md`)
//! and compared field by field.
//!
//! There is no list of tolerated differences: any field where the crate's answer differs
//! from the shared one fails, as it does in the Node and Python readers' tests.

use std::fs;
use std::path::{Path, PathBuf};

use caller_identity::{CallerIdentityError, RequestCallerExt};
use serde_json::{Map, Value, json};

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

/// `(name, event file, expected file)`: every `whoami-*`/`link-*` event with
/// `expected/<name>`, then every `expected/extra/<case>.event.json` with its
/// `<case>.expected.json`.
fn cases() -> Vec<(String, PathBuf, PathBuf)> {
    let events = events_dir();
    let mut found = Vec::new();
    for entry in fs::read_dir(&events).expect("events/") {
        let name = entry.expect("an entry").file_name().to_string_lossy().into_owned();
        if (name.starts_with("whoami-") || name.starts_with("link-")) && name.ends_with(".json") {
            found.push((name.clone(), events.join(&name), events.join("expected").join(&name)));
        }
    }
    for entry in fs::read_dir(events.join("expected/extra")).expect("events/expected/extra/") {
        let path = entry.expect("an entry").path();
        let file = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if let Some(case) = file.strip_suffix(".expected.json") {
            let event = path.with_file_name(format!("{case}.event.json"));
            found.push((format!("extra/{case}"), event, path));
        }
    }
    found.sort();
    found
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The error codes of `events/expected/README.md`.
fn error_code(error: &CallerIdentityError) -> &'static str {
    match error {
        CallerIdentityError::NoIdentity => "no_identity",
        CallerIdentityError::NotAUserPoolLogin => "not_a_user_pool_login",
        CallerIdentityError::Malformed(_) => "malformed",
    }
}

/// The crate's answer for one event file, in the shared JSON shape.
fn crate_answer(event: &Path) -> Map<String, Value> {
    let text = fs::read_to_string(event).unwrap_or_else(|e| panic!("{}: {e}", event.display()));
    let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", event.display()));
    let answer = match request.caller_identity() {
        Ok(caller) => serde_json::to_value(caller).expect("a caller serializes"),
        Err(error) => json!({"error": error_code(&error)}),
    };
    answer.as_object().expect("an object").clone()
}

#[test]
fn every_handler_event_and_extra_case_has_an_answer() {
    let cases = cases();
    let names: Vec<&str> = cases.iter().map(|(name, _, _)| name.as_str()).collect();
    assert!(names.contains(&"whoami-rest-lambda-authorizer.json") && names.contains(&"link-http-api-iam.json"));
    assert!(names.iter().filter(|n| n.starts_with("extra/")).count() >= 9, "{names:?}");
    for (name, event, expected) in &cases {
        assert!(event.is_file(), "{name}: no event {}", event.display());
        assert!(expected.is_file(), "{name}: no expected answer {}", expected.display());
    }
}

#[test]
fn the_crate_gives_the_shared_answer_field_by_field() {
    let mut failures = Vec::new();
    for (name, event, expected) in cases() {
        let expected = read_json(&expected);
        let expected = expected.as_object().expect("an expected answer is an object");
        let mut actual = crate_answer(&event);
        if expected.contains_key("error") {
            // An error answer is its code alone; a caller where an error is due has none (null).
            let error = actual.get("error").cloned().unwrap_or(Value::Null);
            actual = Map::from_iter([("error".to_owned(), error)]);
        }
        for field in actual.keys().filter(|k| !expected.contains_key(*k)) {
            failures.push(format!(
                "{name}: the crate answers {field} = {}, the shared answer has no {field}",
                actual[field]
            ));
        }
        for (field, want) in expected {
            match actual.get(field) {
                None => failures.push(format!("{name}: the crate's answer has no {field} (want {want})")),
                Some(got) if got != want => failures.push(format!("{name}: {field} = {got}, want {want}")),
                Some(_) => {}
            }
        }
    }
    assert!(failures.is_empty(), "the crate differs from events/expected/:\n{}", failures.join("\n"));
}
