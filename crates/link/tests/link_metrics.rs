//! The built `link` binary writes one CloudWatch EMF line per request, at `RUST_LOG=trace`
//! too, with the request's outcome counted once and nothing of the caller in it.

use serde_json::{Value, json};
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sample_events::{EventValues, sample_event};

const BINARY: &str = env!("CARGO_BIN_EXE_link");

/// The EMF lines of a log: JSON objects with an `_aws` block.
fn emf_lines(logs: &str) -> Vec<Value> {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect()
}

/// The metrics of one line that are not zero.
fn nonzero(line: &Value) -> Vec<(String, u64)> {
    let names = line["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().expect("metric definitions");
    names
        .iter()
        .map(|metric| metric["Name"].as_str().expect("name").to_owned())
        .filter_map(|name| line[&name].as_u64().filter(|count| *count > 0).map(|count| (name, count)))
        .collect()
}

#[tokio::test]
async fn one_emf_line_per_request_with_its_outcome_and_nothing_of_the_caller() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("link-metrics")).await;
    let user = stack.create_user("meredith").await;
    let tokens = stack.sign_in(&user).await;
    let identity_id = stack.get_id(&tokens.id_token).await.unwrap();
    let values = EventValues {
        user_pool_id: Some(stack.pool_id.clone()),
        identity_pool_id: Some(stack.identity_pool_id.clone()),
        identity_id: Some(identity_id.clone()),
        sub: Some(user.sub.clone()),
        id_token: Some(tokens.id_token.clone()),
    };
    let mut env = stack.function_env();
    env.push(("DIRECTORY_TABLE".into(), stack.cognito.create_directory_table(&unique_name("link-metrics")).await));
    env.push(("RUST_LOG".into(), "trace".into()));
    let mut process =
        LambdaProcess::start_named(BINARY, "bridge-LinkFunction-metrics", &env).await.expect("the function starts");

    let first = process.invoke(&sample_event("link-rest-iam.json", &values)).await.response();
    assert_eq!(first["statusCode"], json!(200), "{first}");
    let repeat = process.invoke(&sample_event("link-http-api-iam.json", &values)).await.response();
    assert_eq!(repeat["statusCode"], json!(200), "{repeat}");
    let mut bad = sample_event("link-rest-iam.json", &values);
    bad["body"] = json!("{\"idToken\": \"eyJhbGciOiJub25lIn0.e30.\"}");
    assert_eq!(process.invoke(&bad).await.response()["statusCode"], json!(401));
    let mut other = values.clone();
    other.identity_id = Some("us-east-1:00000000-0000-4000-8000-000000000000".into());
    let mismatch = process.invoke(&sample_event("link-rest-iam.json", &other)).await.response();
    assert_eq!(mismatch["statusCode"], json!(403), "{mismatch}");

    let logs = process.logs();
    let lines = emf_lines(&logs);
    assert_eq!(lines.len(), 4, "one EMF line per request:\n{logs}");
    let outcomes: Vec<Vec<(String, u64)>> = lines.iter().map(nonzero).collect();
    let one = |name: &str| vec![(name.to_owned(), 1)];
    assert_eq!(outcomes, [one("LinkCreated"), one("LinkRepeat"), one("LinkRejected"), one("LinkMismatch")]);
    for line in &lines {
        let aws = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(aws["Namespace"], json!("CognitoBridge"));
        assert_eq!(aws["Dimensions"], json!([["FunctionName"]]));
        assert_eq!(line["FunctionName"], json!("bridge-LinkFunction-metrics"));
        let text = line.to_string();
        let (_, signature) = tokens.id_token.rsplit_once('.').unwrap();
        for value in [signature, user.sub.as_str(), "meredith", identity_id.as_str()] {
            assert!(!text.contains(value), "{value} in an EMF line: {text}");
        }
    }
}
