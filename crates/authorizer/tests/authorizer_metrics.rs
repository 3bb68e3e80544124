//! The built `authorizer` binary writes one CloudWatch EMF line per call, at
//! `RUST_LOG=trace` too: the decision, where the IdentityId came from and the directory's
//! part, counted once, and nothing of the caller.

use serde_json::{Value, json};
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sample_events::{EventValues, sample_event};

const BINARY: &str = env!("CARGO_BIN_EXE_authorizer");

fn event(file: &str, id_token: &str) -> Value {
    sample_event(file, &EventValues { id_token: Some(id_token.to_owned()), ..Default::default() })
}

/// The EMF lines of a log: JSON objects with an `_aws` block.
fn emf_lines(logs: &str) -> Vec<Value> {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect()
}

/// The metrics of one line that are not zero, by name.
fn nonzero(line: &Value) -> Vec<String> {
    let names = line["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().expect("metric definitions");
    names
        .iter()
        .map(|metric| metric["Name"].as_str().expect("name").to_owned())
        .filter(|name| {
            let count = line[name].as_u64().expect("a count");
            assert!(count <= 1, "{name}: {line}");
            count == 1
        })
        .collect()
}

#[tokio::test]
async fn one_emf_line_per_call_with_its_decision_and_identity_source() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-metrics")).await;
    let user = stack.create_user("morgan").await;
    let tokens = stack.sign_in(&user).await;
    let forged = {
        let (signed, signature) = tokens.id_token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        format!("{signed}.{flipped}{}", &signature[1..])
    };
    let mut env = stack.function_env_with_directory("authz-metrics").await;
    env.push(("RUST_LOG".into(), "trace".into()));
    let mut process = LambdaProcess::start_named(BINARY, "bridge-AuthorizerFunction-metrics", &env)
        .await
        .expect("the function starts");

    // A user the directory does not know: a miss, then GetId (recorded in the directory).
    let first = process.invoke(&event("authorizer-rest-token.json", &tokens.id_token)).await.response();
    assert_eq!(first["policyDocument"]["Statement"][0]["Effect"], json!("Allow"), "{first}");
    let identity_id = first["context"]["identityId"].as_str().expect("an IdentityId").to_owned();
    // The same user again: the instance's cache.
    let again = process.invoke(&event("authorizer-http-api-v2.json", &tokens.id_token)).await.response();
    assert_eq!(again["isAuthorized"], json!(true), "{again}");
    // A token that does not verify, and an event that is no authorizer event: 401.
    process.invoke(&event("authorizer-rest-token.json", &forged)).await;
    process.invoke(&json!({"hello": "world"})).await;

    let logs = process.logs();
    let lines = emf_lines(&logs);
    assert_eq!(lines.len(), 4, "one EMF line per call:\n{logs}");
    let counted: Vec<Vec<String>> = lines.iter().map(nonzero).collect();
    let names = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        counted,
        [
            names(&["AuthorizerAllow", "IdentityFromGetId", "DirectoryMiss"]),
            names(&["AuthorizerAllow", "IdentityFromCache"]),
            names(&["AuthorizerUnauthorized"]),
            names(&["AuthorizerUnauthorized"]),
        ]
    );
    let (_, signature) = tokens.id_token.rsplit_once('.').unwrap();
    let payload = tokens.id_token.split('.').nth(1).unwrap();
    for line in &lines {
        let aws = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(aws["Namespace"], json!("CognitoBridge"));
        assert_eq!(aws["Dimensions"], json!([["FunctionName"]]));
        assert_eq!(line["FunctionName"], json!("bridge-AuthorizerFunction-metrics"));
        assert!(line["_aws"]["Timestamp"].as_u64().is_some_and(|ms| ms > 1_700_000_000_000));
        let text = line.to_string();
        for value in [signature, payload, user.sub.as_str(), "morgan", identity_id.as_str()] {
            assert!(!text.contains(value), "{value} in an EMF line: {text}");
        }
    }
}
