//! The built `link` binary as a real process under a local Lambda runtime API,
//! answering the sample events of `events/` against the local Cognito.

use serde_json::{Value, json};
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sample_events::{EventValues, sample_event};

const BINARY: &str = env!("CARGO_BIN_EXE_link");

fn body_of(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().expect("string body")).expect("JSON body")
}

#[tokio::test]
async fn the_binary_answers_the_sample_events() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("link-process")).await;
    let user = stack.create_user("grace").await;
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
    env.push(("DIRECTORY_TABLE".into(), stack.cognito.create_directory_table(&unique_name("link-process")).await));
    let mut process = LambdaProcess::start(BINARY, &env).await.expect("the function starts");

    let rest = process.invoke(&sample_event("link-rest-iam.json", &values)).await.response();
    assert_eq!(rest["statusCode"], json!(200), "{rest}");
    assert_eq!(
        rest["multiValueHeaders"]["content-type"],
        json!(["application/json"]),
        "REST answers with multiValueHeaders"
    );
    let body = body_of(&rest);
    assert_eq!(body["identityId"], json!(identity_id));
    assert_eq!(body["changed"], json!(true));

    let http = process.invoke(&sample_event("link-http-api-iam.json", &values)).await.response();
    assert_eq!(http["statusCode"], json!(200), "{http}");
    assert_eq!(body_of(&http)["identityId"], json!(identity_id));

    let mut bad = sample_event("link-rest-iam.json", &values);
    bad["body"] = json!("{\"idToken\": \"eyJhbGciOiJub25lIn0.e30.\"}");
    let refused = process.invoke(&bad).await.response();
    assert_eq!(refused["statusCode"], json!(401), "{refused}");
    assert_eq!(body_of(&refused)["error"], json!("invalid_token"));

    bad["body"] = json!("not json");
    let malformed = process.invoke(&bad).await.response();
    assert_eq!(malformed["statusCode"], json!(400), "{malformed}");

    let logs = process.logs();
    let lines: Vec<Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let link_lines: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == json!("link")).collect();
    assert_eq!(link_lines.len(), 4, "one JSON log line per request:\n{logs}");
    assert_eq!(link_lines[0]["fields"]["outcome"], json!("linked"));
    assert_eq!(link_lines[0]["fields"]["sub"], json!(user.sub));
    assert_eq!(link_lines[0]["fields"]["identity_id"], json!(identity_id));
    assert_eq!(link_lines[0]["fields"]["request_id"], json!("req-0000"));
    assert_eq!(link_lines[2]["fields"]["outcome"], json!("invalid_token"));
    let signature = tokens.id_token.rsplit('.').next().unwrap();
    assert!(!logs.contains(signature) && !logs.contains("eyJhbGciOiJub25lIn0"), "a token reached the logs:\n{logs}");
}

#[tokio::test]
async fn missing_configuration_stops_start_up_with_one_line() {
    let env = vec![("USER_POOL_ID".to_string(), "us-east-1_AbC".to_string())];
    let mut process = LambdaProcess::start(BINARY, &env).await.expect("the function starts");
    let code = process.wait_for_exit(std::time::Duration::from_secs(10)).await;
    assert_eq!(code, Some(1));
    let logs = logs_after_exit(&process).await;
    assert_eq!(logs.trim(), "configuration error: USER_POOL_CLIENT_IDS is not set", "{logs}");
}

#[tokio::test]
async fn a_missing_directory_table_stops_start_up_with_one_line() {
    let env: Vec<(String, String)> = [
        ("USER_POOL_ID", "us-east-1_AbC"),
        ("USER_POOL_CLIENT_IDS", "client"),
        ("IDENTITY_POOL_ID", "us-east-1:5e5e5e5e-0000-4000-8000-000000000000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut process = LambdaProcess::start(BINARY, &env).await.expect("the function starts");
    let code = process.wait_for_exit(std::time::Duration::from_secs(10)).await;
    assert_eq!(code, Some(1));
    assert_eq!(logs_after_exit(&process).await.trim(), "configuration error: DIRECTORY_TABLE is not set");
}

/// The output of a process that exited: its pipes are read by a task that may still be
/// draining them when the exit is seen, so wait (up to 2 s) for a complete line.
async fn logs_after_exit(process: &LambdaProcess) -> String {
    for _ in 0..40 {
        let logs = process.logs();
        if logs.ends_with('\n') {
            return logs;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    process.logs()
}

#[tokio::test]
async fn a_relink_logs_one_warning_naming_both_ids_the_pool_and_the_sub() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("link-relink")).await;
    let user = stack.create_user("rita").await;
    let tokens = stack.sign_in(&user).await;
    let old_id = stack.get_id(&tokens.id_token).await.unwrap();
    let mut values = stack.event_values(&user, &tokens, &old_id);
    let env = stack.function_env_with_directory("link-relink").await;
    let mut process = LambdaProcess::start(BINARY, &env).await.expect("the function starts");
    let first = process.invoke(&sample_event("link-rest-iam.json", &values)).await.response();
    assert_eq!(first["statusCode"], json!(200), "{first}");

    stack.cognito.identity().delete_identities().identity_ids_to_delete(&old_id).send().await.unwrap();
    let new_id = stack.get_id(&tokens.id_token).await.unwrap();
    values.identity_id = Some(new_id.clone());
    let relinked = process.invoke(&sample_event("link-rest-iam.json", &values)).await.response();
    assert_eq!(relinked["statusCode"], json!(200), "{relinked}");
    assert_eq!(body_of(&relinked)["identityId"], json!(new_id));
    assert_eq!(stack.stored_identity_id("rita").await.as_deref(), Some(new_id.as_str()));

    let logs = process.logs();
    let lines: Vec<Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let warnings: Vec<&Value> = lines.iter().filter(|l| l["level"] == json!("WARN")).collect();
    assert_eq!(warnings.len(), 1, "one warning for the relink:\n{logs}");
    let fields = &warnings[0]["fields"];
    assert_eq!(fields["old_identity_id"], json!(old_id));
    assert_eq!(fields["new_identity_id"], json!(new_id));
    assert_eq!(fields["user_pool_id"], json!(stack.pool_id));
    assert_eq!(fields["sub"], json!(user.sub));
    let signature = tokens.id_token.rsplit('.').next().unwrap();
    assert!(!logs.contains(signature), "a token reached the logs:\n{logs}");
}
