//! `adopt --pre-token-function-arn` against the local emulator: a team's pool with
//! other triggers and settings of its own gets the bridge's Pre Token Generation trigger
//! (V2_0) by read–merge–write, every other setting kept (UpdateUserPool resets what it
//! is not sent); a pool with a trigger of its own keeps it, reported and never replaced.

use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use idp::types::{
    LambdaConfigType, PasswordPolicyType, PreTokenGenerationLambdaVersionType, PreTokenGenerationVersionConfigType,
    UserPoolPolicyType, UserPoolTierType, UserPoolType, VerifiedAttributeType,
};
use test_support::local_cognito::{LocalCognito, REGION, TestStack, unique_name};

use crate::harness::Cli;

const OURS: &str = "arn:aws:lambda:us-east-1:123456789012:function:bridge-pre-token";
const TEAM_SIGN_UP: &str = "arn:aws:lambda:us-east-1:123456789012:function:team-sign-up";
const TEAM_CLAIMS: &str = "arn:aws:lambda:us-east-1:123456789012:function:team-claims";

struct TeamPool {
    stack: TestStack,
    cli: Cli,
}

/// A pool with its own sign-up trigger, password policy and verified email (and, with
/// `claims_trigger`, its own pre token generation trigger), its client, identity pool,
/// bucket and directory table.
async fn team_pool(prefix: &str, claims_trigger: bool) -> TeamPool {
    let cognito = LocalCognito::from_env().await;
    let name = unique_name(prefix);
    let mut triggers = LambdaConfigType::builder().pre_sign_up(TEAM_SIGN_UP);
    if claims_trigger {
        triggers = triggers.pre_token_generation_config(
            PreTokenGenerationVersionConfigType::builder()
                .lambda_arn(TEAM_CLAIMS)
                .lambda_version(PreTokenGenerationLambdaVersionType::V20)
                .build()
                .unwrap(),
        );
    }
    let pool_id = cognito
        .idp()
        .create_user_pool()
        .pool_name(&name)
        .user_pool_tier(UserPoolTierType::Essentials)
        .lambda_config(triggers.build())
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(PasswordPolicyType::builder().minimum_length(14).require_symbols(true).build())
                .build(),
        )
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool
        .and_then(|pool| pool.id)
        .unwrap();
    let client_id = cognito
        .idp()
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .write_attributes("email")
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client
        .and_then(|client| client.client_id)
        .unwrap();
    let provider_name = format!("cognito-idp.{REGION}.amazonaws.com/{pool_id}");
    let identity_pool_id = cognito
        .identity()
        .create_identity_pool()
        .identity_pool_name(name.replace('-', "_"))
        .allow_unauthenticated_identities(false)
        .cognito_identity_providers(
            identity::types::CognitoIdentityProvider::builder()
                .provider_name(&provider_name)
                .client_id(&client_id)
                .build(),
        )
        .send()
        .await
        .expect("CreateIdentityPool")
        .identity_pool_id;
    let bucket = format!("{name}-bucket").to_lowercase();
    aws_sdk_s3::Client::new(cognito.sdk_config()).create_bucket().bucket(&bucket).send().await.expect("CreateBucket");
    let table = cognito.create_directory_table(&name).await;
    let stack = TestStack { cognito, pool_id, client_id, identity_pool_id, provider_name };
    let cli = Cli::for_stack(&stack)
        .without("COGNITO_BRIDGE_CLIENT_ID")
        .with("COGNITO_BRIDGE_BUCKET", &bucket)
        .with("COGNITO_BRIDGE_DIRECTORY_TABLE", &table);
    TeamPool { stack, cli }
}

impl TeamPool {
    async fn pool(&self) -> UserPoolType {
        self.stack
            .cognito
            .idp()
            .describe_user_pool()
            .user_pool_id(&self.stack.pool_id)
            .send()
            .await
            .expect("DescribeUserPool")
            .user_pool
            .unwrap()
    }

    /// Everything but the triggers and the schema (which adopt's other steps change).
    fn settings(pool: &UserPoolType) -> String {
        format!(
            "{:?} {:?} {:?} {:?}",
            pool.policies(),
            pool.auto_verified_attributes(),
            pool.user_pool_tier(),
            pool.lambda_config().and_then(|c| c.pre_sign_up())
        )
    }
}

fn actions(plan: &serde_json::Value) -> Vec<String> {
    plan["changes"].as_array().unwrap().iter().map(|c| c["action"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_pool_without_a_trigger_gets_ours_with_every_other_setting_kept() {
    let team = team_pool("cli-adopt-trigger", false).await;
    let before = team.pool().await;
    let plan = team.cli.run(&["--json", "adopt", "--pre-token-function-arn", OURS]).await.json();
    assert!(actions(&plan).contains(&"attach-pre-token-trigger".to_owned()), "{plan}");
    let change =
        plan["changes"].as_array().unwrap().iter().find(|c| c["action"] == "attach-pre-token-trigger").unwrap();
    assert_eq!(change["resource"]["id"], team.stack.pool_id.as_str());
    assert_eq!(change["functionArn"], OURS);
    assert_eq!(change["lambdaVersion"], "V2_0");
    // The plan wrote nothing.
    assert_eq!(team.pool().await.lambda_config(), before.lambda_config());

    team.cli.run(&["--json", "adopt", "--apply", "--no-wait", "--pre-token-function-arn", OURS]).await.json();
    let after = team.pool().await;
    let trigger = after.lambda_config().and_then(|c| c.pre_token_generation_config()).expect("the trigger");
    assert_eq!((trigger.lambda_arn(), trigger.lambda_version().as_str()), (OURS, "V2_0"));
    assert_eq!(TeamPool::settings(&after), TeamPool::settings(&before), "UpdateUserPool carried every setting over");
    assert_eq!(after.lambda_config().and_then(|c| c.pre_sign_up()), Some(TEAM_SIGN_UP));

    // Run again: the drift check finds the trigger in place.
    let again = team.cli.run(&["--json", "adopt", "--pre-token-function-arn", OURS]).await.json();
    assert!(!actions(&again).contains(&"attach-pre-token-trigger".to_owned()), "{again}");
}

#[tokio::test]
async fn a_pool_with_a_trigger_of_its_own_keeps_it_reported_never_replaced() {
    let team = team_pool("cli-adopt-their-trigger", true).await;
    let plan = team.cli.run(&["--json", "adopt", "--pre-token-function-arn", OURS]).await.json();
    assert!(!actions(&plan).contains(&"attach-pre-token-trigger".to_owned()), "{plan}");
    let warnings = plan["warnings"].to_string();
    assert!(warnings.contains(TEAM_CLAIMS) && warnings.contains("never replaces"), "{warnings}");
    team.cli.run(&["--json", "adopt", "--apply", "--no-wait", "--pre-token-function-arn", OURS]).await.json();
    let trigger = team.pool().await.lambda_config().and_then(|c| c.pre_token_generation_config()).cloned().unwrap();
    assert_eq!(trigger.lambda_arn(), TEAM_CLAIMS);
}

#[tokio::test]
async fn without_an_arn_nothing_is_attached_and_the_plan_says_how() {
    let team = team_pool("cli-adopt-no-arn", false).await;
    let plan = team.cli.run(&["--json", "adopt"]).await.json();
    assert!(!actions(&plan).contains(&"attach-pre-token-trigger".to_owned()), "{plan}");
    assert!(plan["warnings"].to_string().contains("--pre-token-function-arn"), "{plan}");
}

#[tokio::test]
async fn a_value_that_is_no_function_arn_is_refused_before_any_call() {
    let team = team_pool("cli-adopt-bad-arn", false).await;
    let line = team.cli.run(&["adopt", "--pre-token-function-arn", "bridge-pre-token"]).await.error(2);
    assert!(line.contains("--pre-token-function-arn") && line.contains("PreTokenFunctionArn"), "{line}");
}
