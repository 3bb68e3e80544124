//! `unlink` and `relink` against the local Cognito and a directory table: the plan first
//! (nothing written), then `--apply` (both directory items gone, the counters on
//! `unattributed#`, `custom:identity_id` deleted); an unknown user is exit 5 with nothing
//! written.

use directory::{IdentityDirectory, IdentityId, NewLink, ObjectEvent, Usage, UsageAccount, UserPoolId};
use serde_json::json;
use test_support::local_cognito::{LocalCognito, TestStack, TestUser, unique_name};

use crate::harness::Cli;

struct Linked {
    stack: TestStack,
    table: String,
    directory: IdentityDirectory,
    user: TestUser,
    identity_id: String,
}

/// A user linked as `/link` leaves them: both directory items, the attribute, one object counted.
async fn linked(name: &str) -> Linked {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-unlink")).await;
    let table = stack.cognito.create_directory_table(&unique_name("cli-unlink-dir")).await;
    let directory = IdentityDirectory::new(stack.cognito.dynamodb(), table.clone());
    let user = stack.create_user(name).await;
    let identity_id = stack.get_id(&stack.sign_in(&user).await.id_token).await.unwrap();
    let id = IdentityId::parse(&identity_id).unwrap();
    let link = NewLink {
        identity_id: id.clone(),
        user_pool_id: UserPoolId::parse(&stack.pool_id).unwrap(),
        sub: user.sub.clone(),
        username: name.into(),
        linked_at: 1_764_000_000,
    };
    directory.record_link(&link).await.unwrap();
    stack.set_identity_id(name, &identity_id).await;
    let object = ObjectEvent {
        bucket: "unlink-bucket".into(),
        key: format!("private/{identity_id}/a.txt"),
        sequencer: "0A".into(),
        size: 12,
    };
    directory.add_usage(&id, UsageAccount::Linked, &object, 1_764_000_100).await.unwrap();
    Linked { stack, table, directory, user, identity_id }
}

impl Linked {
    fn cli(&self) -> Cli {
        Cli::for_stack(&self.stack).with("COGNITO_BRIDGE_DIRECTORY_TABLE", &self.table)
    }

    fn pool(&self) -> UserPoolId {
        UserPoolId::parse(&self.stack.pool_id).unwrap()
    }

    fn id(&self) -> IdentityId {
        IdentityId::parse(&self.identity_id).unwrap()
    }

    async fn table_writes(&self) -> usize {
        let calls = self.stack.cognito.calls_for_table(&self.table).await;
        calls.iter().filter(|c| c.operation != "GetItem").count()
    }
}

#[tokio::test]
async fn unlink_plans_then_removes_both_items_moves_the_counters_and_deletes_the_attribute() {
    let l = linked("ulla").await;
    let cli = l.cli();
    let writes_before = l.table_writes().await;

    let plan = cli.run(&["--json", "unlink", "ulla"]).await.json();
    let expected = |applied: bool| {
        json!({
            "command": "unlink",
            "applied": applied,
            "username": "ulla",
            "sub": l.user.sub,
            "userPoolId": l.stack.pool_id,
            "identityId": l.identity_id,
            "deleteItems": [format!("user#{}#{}", l.stack.pool_id, l.user.sub), format!("identity#{}", l.identity_id)],
            "usageMoved": {"to": format!("unattributed#{}", l.identity_id), "objects": 1, "bytes": 12},
            "attribute": "delete",
            "next": null,
        })
    };
    assert_eq!(plan, expected(false));
    assert_eq!(l.table_writes().await, writes_before, "the plan writes nothing");
    assert!(l.directory.get_by_user(&l.pool(), &l.user.sub).await.unwrap().is_some());
    let text = cli.run(&["unlink", &l.user.sub]).await;
    let text = text.ok();
    assert!(text.starts_with("unlink ulla: plan (nothing written; run again with --apply)\n"), "{text}");
    assert!(text.contains(&format!("1 objects, 12 bytes move to unattributed#{}", l.identity_id)), "{text}");

    let table_before = l.stack.cognito.calls_for_table(&l.table).await.len();
    let pool_before = l.stack.cognito.calls_for(&l.stack.pool_id).await.len();
    let done = cli.run(&["--json", "unlink", "ulla", "--apply"]).await.json();
    assert_eq!(done, expected(true));
    let table_calls: Vec<String> =
        l.stack.cognito.calls_for_table(&l.table).await[table_before..].iter().map(|c| c.operation.clone()).collect();
    assert_eq!(
        table_calls,
        ["GetItem", "GetItem", "GetItem", "GetItem", "GetItem", "TransactWriteItems"],
        "the user, the plan's two reads, the same two again right before the one transaction"
    );
    let pool_calls: Vec<String> =
        l.stack.cognito.calls_for(&l.stack.pool_id).await[pool_before..].iter().map(|c| c.operation.clone()).collect();
    assert_eq!(pool_calls, ["AdminGetUser", "AdminDeleteUserAttributes"]);
    assert_eq!(l.directory.get_by_user(&l.pool(), &l.user.sub).await.unwrap(), None);
    assert_eq!(l.directory.get_by_identity_id(&l.id()).await.unwrap(), None);
    assert_eq!(
        l.directory.unattributed_usage(&l.id()).await.unwrap(),
        Some(Usage { objects: 1, bytes: 12 }),
        "the folder stays counted"
    );
    assert_eq!(l.stack.stored_identity_id("ulla").await, None, "custom:identity_id deleted");

    // Unlinked now: not found, exit 5, nothing written.
    let writes = l.table_writes().await;
    let line = cli.run(&["unlink", "ulla", "--apply"]).await.error(5);
    assert!(line.contains("the directory links no IdentityId to user ulla"), "{line}");
    assert_eq!(l.table_writes().await, writes);
}

#[tokio::test]
async fn an_unknown_user_is_exit_5_and_nothing_is_written() {
    let l = linked("vera").await;
    let cli = l.cli();
    let writes = l.table_writes().await;
    for (id, says) in [
        ("nobody", "no user of pool"),
        ("us-east-1:99999999-9999-4999-8999-999999999999", "the directory links no user to identity-id"),
        ("7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd", "the directory links no user to sub"),
    ] {
        for command in ["unlink", "relink"] {
            let line = cli.run(&[command, id, "--apply"]).await.error(5);
            assert!(line.starts_with(&format!("error: {command} failed: ")) && line.contains(says), "{line}");
            assert!(line.contains("nothing was written"), "{line}");
        }
    }
    assert_eq!(l.table_writes().await, writes);
    assert!(l.directory.get_by_user(&l.pool(), &l.user.sub).await.unwrap().is_some());
    assert_eq!(l.stack.stored_identity_id("vera").await.as_deref(), Some(l.identity_id.as_str()));
}

#[tokio::test]
async fn relink_by_identity_id_says_what_happens_next_and_unlinks() {
    let l = linked("wim").await;
    let cli = l.cli();
    let plan = cli.run(&["relink", &l.identity_id]).await;
    let plan = plan.ok();
    assert!(plan.starts_with("relink wim: plan (nothing written; run again with --apply)\n"), "{plan}");
    assert!(plan.contains("then         the next /link of wim"), "{plan}");
    let done = cli.run(&["--json", "relink", &l.identity_id, "--apply"]).await.json();
    assert_eq!((done["command"].clone(), done["applied"].clone()), (json!("relink"), json!(true)));
    assert!(done["next"].as_str().unwrap().contains("records the IdentityId Cognito gives them now"), "{done}");
    assert_eq!(l.directory.get_by_user(&l.pool(), &l.user.sub).await.unwrap(), None);
    assert_eq!(l.stack.stored_identity_id("wim").await, None);
}
