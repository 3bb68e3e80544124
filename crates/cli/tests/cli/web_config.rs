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
