//! `whois` of a forgotten user, by sub and by IdentityId: "not found (forgotten)", read
//! from the directory's tombstones.

use directory::{ForgetPlan, IdentityDirectory, IdentityId, NewLink, UserPoolId};
use test_support::local_cognito::{LocalCognito, unique_name};

use crate::harness::Cli;

#[tokio::test]
async fn whois_answers_not_found_forgotten_for_a_forgotten_user() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-forgot")).await;
    let table = stack.cognito.create_directory_table(&unique_name("cli-forgot-dir")).await;
    let user = stack.create_user("wanda").await;
    let identity_id = stack.get_id(&stack.sign_in(&user).await.id_token).await.unwrap();
    let directory = IdentityDirectory::new(stack.cognito.dynamodb(), table.clone());
    let pool = UserPoolId::parse(&stack.pool_id).unwrap();
    let link = NewLink {
        identity_id: IdentityId::parse(&identity_id).unwrap(),
        user_pool_id: pool.clone(),
        sub: user.sub.clone(),
        username: "wanda".into(),
        linked_at: 1,
    };
    directory.record_link(&link).await.unwrap();
    let cli = Cli::for_stack(&stack).with("COGNITO_BRIDGE_DIRECTORY_TABLE", &table);
    assert_eq!(cli.run(&["--json", "whois", &user.sub]).await.json()["username"], "wanda");

    let ForgetPlan::Forget(targets) = directory.plan_forget(&pool, &user.sub).await.unwrap() else {
        panic!("expected a plan")
    };
    directory.forget(&targets, 2).await.unwrap();
    for id in [user.sub.as_str(), identity_id.as_str()] {
        let line = cli.run(&["whois", id]).await.error(1);
        assert!(line.contains("not found (forgotten)"), "{line}");
        assert!(!line.contains("wanda"), "{line}");
    }
}
