//! The built forget function as a real Lambda process, invoked with the SQS events of
//! `events/` (their EventBridge bodies carrying a real user's `sub` and pool), against the
//! local emulator: a forgotten user, a repeat, a malformed message that fails alone, and
//! log lines that never carry the username.

use directory::{IdentityDirectory, IdentityId, NewLink, UserPoolId};
use serde_json::Value;
use test_support::lambda_process::{InvokeOutcome, LambdaProcess};
use test_support::local_cognito::{LocalCognito, unique_name};

fn sample(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The sample's SQS event with its body's sub (and pool, when named) replaced.
fn event_for(name: &str, pool: &str, sub: &str) -> Value {
    let mut event = sample(name);
    let mut body: Value = serde_json::from_str(event["Records"][0]["body"].as_str().unwrap()).unwrap();
    body["detail"]["additionalEventData"]["sub"] = sub.into();
    if body["detail"]["requestParameters"].get("userPoolId").is_some() {
        body["detail"]["requestParameters"]["userPoolId"] = pool.into();
    }
    event["Records"][0]["body"] = body.to_string().into();
    event
}

fn failures(outcome: &InvokeOutcome) -> Vec<String> {
    let InvokeOutcome::Response(response) = outcome else { panic!("the function failed: {outcome:?}") };
    response["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_sample_events_forget_their_users_and_a_malformed_message_fails_alone() {
    let cognito = LocalCognito::from_env().await;
    let name = unique_name("fproc");
    let table = cognito.create_directory_table(&name).await;
    let stack = cognito.create_stack(&name).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(cognito.sdk_config()).force_path_style(true).build(),
    );
    let bucket = name.to_lowercase().replace('_', "-");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let directory = IdentityDirectory::new(cognito.dynamodb(), table.clone());
    let pool = UserPoolId::parse(&stack.pool_id).unwrap();
    let mut subs = Vec::new();
    for username in ["paula.secret", "quentin.secret"] {
        let user = stack.create_user(username).await;
        let tokens = stack.sign_in(&user).await;
        let identity_id = IdentityId::parse(&stack.get_id(&tokens.id_token).await.unwrap()).unwrap();
        let link = NewLink {
            identity_id,
            user_pool_id: pool.clone(),
            sub: user.sub.clone(),
            username: username.into(),
            linked_at: 1,
        };
        directory.record_link(&link).await.unwrap();
        subs.push(user.sub);
    }
    let mut env = stack.function_env();
    env.extend(
        [
            ("DIRECTORY_TABLE", table.as_str()),
            ("BUCKET_NAME", bucket.as_str()),
            ("FORGET_PACE_MS", "0"),
            ("RUST_LOG", "trace"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let mut function = LambdaProcess::start(env!("CARGO_BIN_EXE_forget"), &env).await.expect("the function starts");

    // AdminDeleteUser names the pool; DeleteUser does not, and the configured pool is tried.
    let admin = event_for("forget-admin-delete-user.json", &stack.pool_id, &subs[0]);
    assert!(failures(&function.invoke(&admin).await).is_empty(), "{}", function.logs());
    let user = event_for("forget-delete-user.json", &stack.pool_id, &subs[1]);
    assert!(failures(&function.invoke(&user).await).is_empty(), "{}", function.logs());
    for sub in &subs {
        assert!(directory.is_forgotten_user(&pool, sub).await.unwrap());
        assert_eq!(directory.get_by_user(&pool, sub).await.unwrap(), None);
    }
    // A redelivery is already forgotten; a malformed message beside it fails alone.
    let mut batch = admin.clone();
    let mut malformed = batch["Records"][0].clone();
    malformed["messageId"] = "malformed-1".into();
    malformed["body"] = r#"{"source":"aws.cognito-idp","detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"AdminDeleteUser"}}"#.into();
    batch["Records"].as_array_mut().unwrap().push(malformed);
    assert_eq!(failures(&function.invoke(&batch).await), ["malformed-1"]);
    // Still running, and no log line names the users, even at trace.
    assert!(failures(&function.invoke(&admin).await).is_empty());
    let logs = function.logs();
    assert!(logs.contains("already forgotten"), "{logs}");
    assert!(!logs.contains("paula.secret") && !logs.contains("quentin.secret"), "{logs}");
}
