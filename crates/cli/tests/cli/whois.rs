//! `whois` by username, sub and IdentityId, the last one paging through ListUsers.

use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use serde_json::json;
use test_support::local_cognito::{LocalCognito, TestStack, unique_name};

use crate::harness::Cli;

async fn set_identity_id(stack: &TestStack, username: &str, identity_id: &str) {
    stack
        .cognito
        .idp()
        .admin_update_user_attributes()
        .user_pool_id(&stack.pool_id)
        .username(username)
        .user_attributes(AttributeType::builder().name("custom:identity_id").value(identity_id).build().unwrap())
        .send()
        .await
        .expect("AdminUpdateUserAttributes");
}

#[tokio::test]
async fn whois_by_username_sub_and_identity_id() {
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
    set_identity_id(&stack, "filler-07", "us-east-1:00000000-0000-4000-8000-000000000007").await;
    let user = stack.create_user("olga").await;
    let identity_id = stack.get_id(&stack.sign_in(&user).await.id_token).await.unwrap();
    set_identity_id(&stack, &user.username, &identity_id).await;
    let cli = Cli::for_stack(&stack);

    let by_username = cli.run(&["--json", "whois", "olga"]).await.json();
    let expected = |by: &str, calls: u32| {
        json!({
            "username": "olga",
            "sub": user.sub,
            "identityId": identity_id,
            "email": "olga@example.com",
            "status": "CONFIRMED",
            "enabled": true,
            "lookup": {"by": by, "calls": calls},
        })
    };
    assert_eq!(by_username, expected("username", 1));
    assert_eq!(cli.run(&["--json", "whois", &user.sub]).await.json(), expected("sub", 1));
    assert_eq!(cli.run(&["--json", "whois", &identity_id]).await.json(), expected("identity-id", 2));

    let text = cli.run(&["whois", &identity_id]).await;
    let text = text.ok();
    assert!(text.starts_with("user olga\n"), "{text}");
    assert!(text.contains(&format!("identity id  {identity_id}")), "{text}");
    assert!(text.contains("lookup       by identity-id: 2 ListUsers call(s), up to 60 users each"), "{text}");

    let unknown = "us-east-1:99999999-9999-4999-8999-999999999999";
    let line = cli.run(&["whois", unknown]).await.error(1);
    assert_eq!(
        line,
        format!(
            "error: whois failed: no user of pool {} has identity-id {unknown} (2 ListUsers call(s), up to 60 users each); \
             the user may not be linked yet (cognito-bridge link)",
            stack.pool_id
        )
    );
    let line = cli.run(&["whois", "nobody"]).await.error(1);
    assert!(line.contains("has username nobody (1 AdminGetUser call)"), "{line}");
}
