//! `reconcile` against the local Cognito, a directory table and a queue: a dry run counts
//! the deleted user and sends nothing; the real run sends one reconciler message for them;
//! without a queue (and no --dry-run) it refuses before any call.

use directory::{IdentityDirectory, IdentityId, NewLink, UserPoolId};
use test_support::local_cognito::{LocalCognito, unique_name};

use crate::harness::Cli;

#[tokio::test]
async fn a_dry_run_counts_and_a_run_sends_the_deleted_user() {
    let cognito = LocalCognito::from_env().await;
    let stack = cognito.create_stack(&unique_name("cli-reconcile")).await;
    let table = cognito.create_directory_table(&unique_name("cli-reconcile-dir")).await;
    let directory = IdentityDirectory::new(cognito.dynamodb(), table.clone());
    let sqs = aws_sdk_sqs::Client::new(cognito.sdk_config());
    let queue = sqs.create_queue().queue_name(unique_name("cli-forget")).send().await.unwrap().queue_url.unwrap();
    let ids = ["us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c41", "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c42"];
    let mut users = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let user = stack.create_user(&format!("rec{n}")).await;
        let link = NewLink {
            identity_id: IdentityId::parse(id).unwrap(),
            user_pool_id: UserPoolId::parse(&stack.pool_id).unwrap(),
            sub: user.sub.clone(),
            username: user.username.clone(),
            linked_at: 1,
        };
        directory.record_link(&link).await.unwrap();
        users.push(user);
    }
    cognito.idp().admin_delete_user().user_pool_id(&stack.pool_id).username(&users[1].username).send().await.unwrap();
    let cli = Cli::for_stack(&stack).with("COGNITO_BRIDGE_DIRECTORY_TABLE", &table);

    let refused = cli.run(&["reconcile"]).await.error(2);
    assert!(refused.contains("--forget-queue-url") && refused.contains("--dry-run"), "{refused}");

    let dry = cli.run(&["--json", "reconcile", "--dry-run"]).await.json();
    assert_eq!(
        (dry["checked"].as_u64(), dry["missing"].as_u64(), dry["sent"].as_u64()),
        (Some(2), Some(1), Some(0)),
        "{dry}"
    );
    assert_eq!(dry["dryRun"], true);

    let run = cli.run(&["--json", "reconcile", "--forget-queue-url", &queue]).await.json();
    assert_eq!(
        (run["missing"].as_u64(), run["sent"].as_u64(), run["passFinished"].as_bool()),
        (Some(1), Some(1), Some(true)),
        "{run}"
    );
    let messages = sqs
        .receive_message()
        .queue_url(&queue)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(messages.len(), 1);
    let body: serde_json::Value = serde_json::from_str(messages[0].body().unwrap()).unwrap();
    assert_eq!(body["detail"]["sub"], users[1].sub.as_str());
    assert_eq!(body["detail-type"], "Cognito user not found");
}
