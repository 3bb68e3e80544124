//! `web-config --from-file` against a saved `describe-stacks` answer
//! (`tests/fixtures/describe-stacks.json`): the web app's seven keys written, and a
//! stack lacking an output named in one error line, with nothing written.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::harness::Cli;

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/describe-stacks.json").display().to_string()
}

#[tokio::test]
async fn the_stacks_outputs_become_the_apps_config() {
    let cli = Cli::bare();
    let out = cli.scratch_dir().join("public/config.json");
    let out_arg = out.display().to_string();
    let run = cli.run(&["web-config", "--from-file", &fixture(), "--stack", "cognito-bridge", "--out", &out_arg]).await;
    assert!(run.ok().starts_with(&format!("wrote {out_arg} from stack cognito-bridge: ")), "{}", run.stdout);

    let written: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        written,
        json!({
            "ApiUrl": "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod",
            "UserPoolId": "us-east-1_AbCdEf123",
            "UserPoolClientId": "4ab1cdefghij2klmno3pqrstu5",
            "IdentityPoolId": "us-east-1:1f0c1a2b-1111-4222-8333-444455556666",
            "Region": "us-east-1",
            "BucketName": "cognito-bridge-123456789012-us-east-1-0a1b2c3d",
            "DirectoryTableName": "cognito-bridge-DirectoryTable-1A2B3C4D5E6F",
        }),
        "the seven keys web/src reads, and only those"
    );

    // The same from the environment, printed instead of written, as JSON.
    let printed = cli
        .run_in_env(&["web-config", "--from-file", &fixture(), "--out", "-"], "COGNITO_BRIDGE_STACK", "cognito-bridge")
        .await;
    assert_eq!(serde_json::from_str::<Value>(printed.ok()).unwrap(), written);
}

#[tokio::test]
async fn a_stack_without_an_output_is_named_and_nothing_is_written() {
    let cli = Cli::bare();
    let out = cli.scratch_dir().join("config.json");
    std::fs::write(&out, "{\"previous\": true}\n").unwrap();
    let out_arg = out.display().to_string();
    let run =
        cli.run(&["web-config", "--from-file", &fixture(), "--stack", "cognito-bridge-v1", "--out", &out_arg]).await;
    let line = run.error(2);
    assert_eq!(
        line,
        "error: web-config failed: stack cognito-bridge-v1 has no output DirectoryTableName, which the web app needs; \
         deploy the current template.yaml"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "{\"previous\": true}\n", "the old file is left as it was");

    let fresh = cli.scratch_dir().join("never/config.json");
    let fresh_arg = fresh.display().to_string();
    cli.run(&["web-config", "--from-file", &fixture(), "--stack", "cognito-bridge-v1", "--out", &fresh_arg])
        .await
        .error(2);
    assert!(!fresh.exists() && !fresh.parent().unwrap().exists(), "nothing created");
}

#[tokio::test]
async fn a_file_of_several_stacks_needs_a_name_and_a_bad_file_is_one_line() {
    let cli = Cli::bare();
    let out = cli.scratch_dir().join("config.json").display().to_string();
    let several = cli.run(&["web-config", "--from-file", &fixture(), "--out", &out]).await.error(2);
    assert!(several.contains("several stacks (cognito-bridge, cognito-bridge-v1); name one with --stack"), "{several}");
    let unknown = cli.run(&["web-config", "--from-file", &fixture(), "--stack", "other", "--out", &out]).await.error(2);
    assert!(unknown.contains("holds no stack other"), "{unknown}");
    let missing = cli.run(&["web-config", "--from-file", "/nonexistent/stack.json", "--out", &out]).await.error(2);
    assert!(missing.starts_with("error: cannot read /nonexistent/stack.json: "), "{missing}");
    let not_json = cli.scratch_dir().join("bad.json");
    std::fs::write(&not_json, "not json").unwrap();
    let bad = cli.run(&["web-config", "--from-file", &not_json.display().to_string(), "--out", &out]).await.error(2);
    assert!(bad.contains("is not a DescribeStacks answer"), "{bad}");
    assert!(!PathBuf::from(&out).exists());
}

/// A stack in the emulator's CloudFormation with these outputs.
async fn outputs_stack(outputs: Value) -> (Cli, String) {
    let cognito = test_support::local_cognito::LocalCognito::from_env().await;
    let name = test_support::local_cognito::unique_name("cli-web-config");
    let template = json!({
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": outputs,
    });
    aws_sdk_cloudformation::Client::new(cognito.sdk_config())
        .create_stack()
        .stack_name(&name)
        .template_body(template.to_string())
        .send()
        .await
        .expect("CreateStack");
    let cli = Cli::bare()
        .with("AWS_ENDPOINT_URL", &cognito.endpoint)
        .with("AWS_REGION", test_support::local_cognito::REGION)
        .with("AWS_ACCESS_KEY_ID", "testing")
        .with("AWS_SECRET_ACCESS_KEY", "testing");
    (cli, name)
}

#[tokio::test]
async fn with_stack_the_outputs_come_from_describe_stacks() {
    let mut outputs = json!({
        "ApiUrl": {"Value": "http://127.0.0.1:9/prod"},
        "UserPoolId": {"Value": "us-east-1_AbCdEf123"},
        "UserPoolClientId": {"Value": "web,mobile"},
        "IdentityPoolId": {"Value": "us-east-1:1f0c1a2b-1111-4222-8333-444455556666"},
        "Region": {"Value": "us-east-1"},
        "BucketName": {"Value": "b-1"},
        "DirectoryTableName": {"Value": "t-1"},
    });
    let (cli, name) = outputs_stack(outputs.clone()).await;
    let out = cli.scratch_dir().join("config.json").display().to_string();
    let several = cli.run(&["--stack", &name, "web-config", "--out", &out]).await.error(2);
    assert!(
        several.contains("lists several app clients (web, mobile); pick the web app's with --client-id"),
        "{several}"
    );
    let written =
        cli.run(&["--json", "--stack", &name, "--client-id", "web", "web-config", "--out", &out]).await.json();
    assert_eq!(written["config"]["UserPoolClientId"], "web");
    assert_eq!(written["config"]["DirectoryTableName"], "t-1");
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(file, written["config"]);

    outputs.as_object_mut().unwrap().remove("BucketName");
    let (cli, name) = outputs_stack(outputs).await;
    let out = cli.scratch_dir().join("config.json");
    let line = cli
        .run(&["--stack", &name, "--client-id", "web", "web-config", "--out", &out.display().to_string()])
        .await
        .error(2);
    assert!(line.contains(&format!("stack {name} has no output BucketName")), "{line}");
    assert!(!out.exists());
}
