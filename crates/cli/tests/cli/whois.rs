//! `whois` by username, sub and IdentityId: from the identity directory (zero ListUsers
//! calls, counted in the emulator's call log) or, with `--scan`, paging through ListUsers;
//! and `backfill`, which fills the directory from the users' `custom:identity_id`.

use aws_sdk_cognitoidentityprovider::types::MessageActionType;
use serde_json::Value;
use serde_json::json;
use test_support::local_cognito::{LocalCognito, TestStack, unique_name};

use crate::harness::Cli;

#[tokio::test]
async fn whois_by_username_and_with_scan_by_sub_and_identity_id() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-whois")).await;
    // 60 other users first, so the one we look for by IdentityId is on the second ListUsers page.
    let mut fillers = Vec::new();
    for n in 0..60 {
        let idp = stack.cognito.idp();
        let pool = stack.pool_id.clone();
        fillers.push(tokio::spawn(async move {
            idp.admin_create_user()
                .user_pool_id(pool)
                .username(format!("filler-{n:02}"))
                .message_action(MessageActionType::Suppress)
                .send()
                .await
                .expect("AdminCreateUser")
        }));
    }
    for filler in fillers {
        filler.await.unwrap();
    }
    stack.set_identity_id("filler-07", "us-east-1:00000000-0000-4000-8000-000000000007").await;
    let user = stack.create_user("olga").await;
    let identity_id = stack.get_id(&stack.sign_in(&user).await.id_token).await.unwrap();
    stack.set_identity_id(&user.username, &identity_id).await;
    let cli = Cli::for_stack(&stack);

    let by_username = cli.run(&["--json", "whois", "olga"]).await.json();
    let expected = |by: &str, source: &str, admin_get_user: u32, list_users: u32| {
        json!({
            "username": "olga",
            "sub": user.sub,
            "identityId": identity_id,
            "email": "olga@example.com",
            "status": "CONFIRMED",
            "enabled": true,
            "lookup": {
                "by": by, "source": source, "calls": admin_get_user + list_users,
                "getItem": 0, "adminGetUser": admin_get_user, "listUsers": list_users,
            },
        })
    };
    assert_eq!(by_username, expected("username", "user pool", 1, 0));
    assert_eq!(cli.run(&["--json", "whois", "--scan", &user.sub]).await.json(), expected("sub", "scan", 0, 1));
    assert_eq!(
        cli.run(&["--json", "whois", "--scan", &identity_id]).await.json(),
        expected("identity-id", "scan", 0, 2)
    );

    let text = cli.run(&["whois", "--scan", &identity_id]).await;
    let text = text.ok();
    assert!(text.starts_with("user olga\n"), "{text}");
    assert!(text.contains(&format!("identity id  {identity_id}")), "{text}");
    assert!(
        text.contains("lookup       by identity-id from the scan: 0 GetItem, 0 AdminGetUser, 2 ListUsers call(s), up to 60 users each"),
        "{text}"
    );

    let unknown = "us-east-1:99999999-9999-4999-8999-999999999999";
    let line = cli.run(&["whois", "--scan", unknown]).await.error(1);
    assert_eq!(
        line,
        format!(
            "error: whois failed: no user of pool {} has identity-id {unknown} (0 GetItem, 0 AdminGetUser, 2 ListUsers \
             call(s), up to 60 users each); the user may not be linked yet (cognito-bridge link)",
            stack.pool_id
        )
    );
    // No directory configured and no --scan: says how to get one, or to scan.
    let line = cli.run(&["whois", &identity_id]).await.error(2);
    assert!(
        line.contains("the directory table is not set; pass --directory-table or set COGNITO_BRIDGE_DIRECTORY_TABLE"),
        "{line}"
    );
    assert!(line.ends_with("or page through ListUsers with --scan"), "{line}");
    let line = cli.run(&["whois", "nobody"]).await.error(1);
    assert!(line.contains("has username nobody (0 GetItem, 1 AdminGetUser, 0 ListUsers)"), "{line}");
}

async fn create_users(stack: &TestStack, prefix: &str, count: usize) {
    let mut tasks = Vec::new();
    for n in 0..count {
        let idp = stack.cognito.idp();
        let pool = stack.pool_id.clone();
        let name = format!("{prefix}-{n:04}");
        tasks.push(tokio::spawn(async move {
            idp.admin_create_user()
                .user_pool_id(pool)
                .username(name)
                .message_action(MessageActionType::Suppress)
                .send()
                .await
                .expect("AdminCreateUser")
        }));
        if tasks.len() >= 16 {
            for task in tasks.drain(..) {
                task.await.unwrap();
            }
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
}

async fn list_users_calls(stack: &TestStack) -> usize {
    stack.cognito.calls_for(&stack.pool_id).await.iter().filter(|c| c.operation == "ListUsers").count()
}

#[tokio::test]
async fn backfill_fills_the_directory_and_whois_reads_it_with_no_list_users() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-backfill")).await;
    let table = stack.cognito.create_directory_table(&unique_name("cli-dir")).await;
    // 60 unlinked users, so that the pool has two ListUsers pages.
    create_users(&stack, "unlinked", 60).await;
    let user = stack.create_user("petra").await;
    let identity_id = stack.get_id(&stack.sign_in(&user).await.id_token).await.unwrap();
    stack.set_identity_id(&user.username, &identity_id).await;
    // Two more linked users, one of them claiming petra's IdentityId: a conflict.
    let other = stack.create_user("quinn").await;
    let other_id = "us-east-1:00000000-0000-4000-8000-0000000000aa";
    stack.set_identity_id(&other.username, other_id).await;
    let thief = stack.create_user("rex").await;
    stack.set_identity_id(&thief.username, &identity_id).await;
    let cli = Cli::for_stack(&stack).with("COGNITO_BRIDGE_DIRECTORY_TABLE", &table);

    // Before the backfill the directory knows nobody.
    let line = cli.run(&["whois", &identity_id]).await.error(1);
    assert!(line.contains(&format!("the directory links no user of any pool to identity-id {identity_id}")), "{line}");
    assert!(line.contains("cognito-bridge backfill"), "{line}");

    // One page, then resume from the printed token.
    let first = cli.run(&["--json", "backfill", "--max-pages", "1", "--rate", "20"]).await.json();
    assert_eq!(first["pages"], 1, "{first}");
    assert_eq!(first["scanned"], 60, "{first}");
    let token = first["nextPageToken"].as_str().expect("a token to resume from").to_owned();
    let rest = cli.run(&["--json", "backfill", "--page-token", &token, "--rate", "20"]).await.json();
    assert_eq!(rest["nextPageToken"], Value::Null, "{rest}");
    let total = |field: &str| first[field].as_u64().unwrap() + rest[field].as_u64().unwrap();
    assert_eq!(total("scanned"), 63);
    assert_eq!(total("notLinked"), 60);
    assert_eq!(total("written"), 2, "petra (or rex) and quinn: {first} {rest}");
    let conflicts: Vec<Value> =
        [&first, &rest].iter().flat_map(|r| r["conflicts"].as_array().unwrap().clone()).collect();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(conflicts[0].as_str().unwrap().contains(&identity_id), "{conflicts:?}");

    // Idempotent: a second full run writes nothing, finds both present, the same conflict.
    let again = cli.run(&["--json", "backfill"]).await.json();
    assert_eq!((again["written"].as_u64(), again["alreadyPresent"].as_u64()), (Some(0), Some(2)), "{again}");
    assert_eq!(again["conflicts"].as_array().unwrap().len(), 1, "{again}");
    let text = cli.run(&["backfill"]).await;
    let present = text.ok().lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["already", "present", "2"]);
    assert!(present, "{}", text.stdout);
    assert!(text.stderr.is_empty(), "no progress when stderr is not a terminal: {}", text.stderr);

    // Whoever the directory holds for petra's IdentityId (the first written of petra and rex).
    let owner = cli.run(&["--json", "whois", &identity_id]).await.json();
    let owner_name = owner["username"].as_str().unwrap().to_owned();
    assert!(owner_name == "petra" || owner_name == "rex", "{owner}");

    // Every form of whois, zero ListUsers calls.
    let before = list_users_calls(&stack).await;
    let forms = [
        other_id.to_owned(),
        other.sub.clone(),
        format!("s3://my-bucket/private/{other_id}/photos/cat.jpg"),
        format!("private/{other_id}/cat.jpg"),
        "private/us-east-1%3A00000000-0000-4000-8000-0000000000aa/my+cat.jpg".to_owned(),
    ];
    for form in &forms {
        let found = cli.run(&["--json", "whois", form]).await.json();
        assert_eq!(found["username"], "quinn", "{form}: {found}");
        assert_eq!(found["identityId"], other_id, "{form}: {found}");
        assert_eq!(found["sub"], Value::String(other.sub.clone()), "{form}: {found}");
        assert_eq!(found["lookup"]["source"], "directory", "{form}: {found}");
        assert_eq!(found["lookup"]["listUsers"], 0, "{form}: {found}");
        assert_eq!(found["lookup"]["getItem"], 1, "{form}: {found}");
    }
    let text = cli.run(&["whois", &forms[2]]).await;
    assert!(
        text.ok().contains("lookup       by identity-id from the directory: 1 GetItem, 1 AdminGetUser, 0 ListUsers"),
        "{}",
        text.stdout
    );
    assert_eq!(list_users_calls(&stack).await, before, "whois from the directory made ListUsers calls");

    let line = cli.run(&["whois", "s3://my-bucket/public/cat.jpg"]).await.error(2);
    assert!(line.contains("expected s3://<bucket>/private/<IdentityId>/<file>"), "{line}");
}

/// With 1,000 users in the pool: one `whois` from the directory costs zero `ListUsers`
/// calls, and one `--scan` pages through them all; both timed in the same run
/// (`--nocapture` prints the times).
#[tokio::test]
async fn whois_timing_with_1000_users_directory_vs_scan() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-timing")).await;
    let table = stack.cognito.create_directory_table(&unique_name("cli-timing-dir")).await;
    create_users(&stack, "user", 999).await;
    let user = stack.create_user("zoe").await;
    let identity_id = "us-east-1:00000000-0000-4000-8000-0000000000ff";
    stack.set_identity_id(&user.username, identity_id).await;
    let cli = Cli::for_stack(&stack).with("COGNITO_BRIDGE_DIRECTORY_TABLE", &table);
    cli.run(&["backfill", "--rate", "25"]).await.ok();

    let before = list_users_calls(&stack).await;
    let started = std::time::Instant::now();
    let direct = cli.run(&["--json", "whois", identity_id]).await.json();
    let from_directory = started.elapsed();
    assert_eq!(list_users_calls(&stack).await, before, "zero ListUsers calls from the directory");
    let started = std::time::Instant::now();
    let scanned = cli.run(&["--json", "whois", "--scan", identity_id]).await.json();
    let from_scan = started.elapsed();
    assert_eq!(direct["username"], "zoe");
    assert_eq!(scanned["username"], "zoe");
    println!(
        "whois with 1000 users: directory {:?} ({}), --scan {:?} ({} ListUsers calls)",
        from_directory, direct["lookup"], from_scan, scanned["lookup"]["listUsers"]
    );
}
