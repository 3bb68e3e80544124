//! Where the CLI points: missing and invalid settings (exit 2), `--stack` (found or not),
//! and an unreachable AWS endpoint (exit 4).

use aws_sdk_cloudformation as cloudformation;
use serde_json::json;
use test_support::local_cognito::{LocalCognito, TestStack, unique_name};

use crate::harness::{Cli, closed_port};

#[tokio::test]
async fn a_missing_setting_is_exit_2_naming_its_flag_and_variable() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-missing")).await;
    let cli = Cli::for_stack(&stack).without("COGNITO_BRIDGE_CLIENT_ID");
    let line = cli.run_in_env(&["login", "--username", "u"], "COGNITO_BRIDGE_PASSWORD", "x").await.error(2);
    assert_eq!(
        line,
        "error: the app client id is not set; pass --client-id or set COGNITO_BRIDGE_CLIENT_ID (or name a stack with --stack)"
    );

    let cli = Cli::for_stack(&stack).without("COGNITO_BRIDGE_IDENTITY_POOL_ID");
    assert_eq!(
        cli.run(&["credentials"]).await.error(2),
        "error: the identity pool id is not set; pass --identity-pool-id or set COGNITO_BRIDGE_IDENTITY_POOL_ID (or name a stack with --stack)"
    );
    assert_eq!(
        cli.run(&["whoami"]).await.error(2),
        "error: the API URL is not set; pass --api-url or set COGNITO_BRIDGE_API_URL (or name a stack with --stack)"
    );

    let nothing = Cli::bare();
    assert_eq!(
        nothing.run(&["whois", "alice"]).await.error(2),
        "error: the user pool id is not set; pass --user-pool-id or set COGNITO_BRIDGE_USER_POOL_ID (or name a stack with --stack)"
    );
    assert_eq!(
        nothing.run(&["--api-url", "ftp://example.com", "whoami"]).await.error(2),
        "error: the API URL \"ftp://example.com\" is invalid: expected an http(s) URL; fix --api-url or COGNITO_BRIDGE_API_URL"
    );
    let usage = nothing.run(&["confirm", "--username", "u"]).await;
    assert_eq!(usage.code, 2, "clap usage errors exit 2 too: {}", usage.stderr);
}

#[tokio::test]
async fn an_unknown_stack_is_a_clear_error() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-nostack")).await;
    let name = unique_name("no-such-stack");
    let cli = Cli::for_stack(&stack);
    let line = cli.run(&["--stack", &name, "whois", "alice"]).await.error(2);
    assert_eq!(
        line,
        format!(
            "error: stack {name} not found in us-east-1: ValidationError: Stack with id {name} does not exist; \
             check --stack and --region (or AWS_REGION)"
        )
    );
}

/// A CloudFormation stack whose Outputs name `stack`'s pools, as `template.yaml` does.
async fn create_outputs_stack(stack: &TestStack, name: &str) {
    let template = json!({
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {
            "UserPoolId": {"Value": stack.pool_id},
            "UserPoolClientId": {"Value": stack.client_id},
            "IdentityPoolId": {"Value": stack.identity_pool_id},
            "ApiUrl": {"Value": "http://127.0.0.1:9/Prod/"},
            "Region": {"Value": "us-east-1"},
        }
    });
    cloudformation::Client::new(stack.cognito.sdk_config())
        .create_stack()
        .stack_name(name)
        .template_body(template.to_string())
        .send()
        .await
        .expect("CreateStack");
}

#[tokio::test]
async fn stack_outputs_configure_the_cli_and_flags_override_them() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-stack")).await;
    let user = stack.create_user("jo").await;
    let name = unique_name("cli-outputs");
    create_outputs_stack(&stack, &name).await;
    let cli = Cli::for_stack(&stack)
        .without("COGNITO_BRIDGE_USER_POOL_ID")
        .without("COGNITO_BRIDGE_CLIENT_ID")
        .without("COGNITO_BRIDGE_IDENTITY_POOL_ID")
        .with("COGNITO_BRIDGE_STACK", &name);
    cli.login(&user).await.ok();
    assert!(cli.cache_file(&stack).exists(), "cached under the stack's pool and client");
    let process: serde_json::Value =
        serde_json::from_str(cli.run(&["credentials", "--format", "process"]).await.ok()).unwrap();
    assert!(process["AccessKeyId"].as_str().unwrap().starts_with("ASIA"), "{process}");

    // A flag wins over the stack output: this API URL is a closed port, so whoami cannot reach it.
    let port = closed_port().await;
    let url = format!("http://127.0.0.1:{port}/Other");
    let line = cli.run(&["--api-url", &url, "whoami"]).await.error(4);
    assert!(line.starts_with(&format!("error: whoami failed: cannot reach {url}/whoami: ")), "{line}");
}

#[tokio::test]
async fn an_unreachable_aws_endpoint_is_exit_4() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-unreachable")).await;
    let user = stack.create_user("kim").await;
    let endpoint = format!("http://127.0.0.1:{}", closed_port().await);
    let cli = Cli::for_stack(&stack).with("AWS_ENDPOINT_URL", &endpoint);
    let line = cli.login(&user).await.error(4);
    assert!(line.starts_with(&format!("error: login failed: cannot reach {endpoint}")), "{line}");
    assert!(line.ends_with("; check AWS_ENDPOINT_URL / --region and the network"), "{line}");
}
