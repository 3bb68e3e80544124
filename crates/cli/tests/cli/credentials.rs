//! `credentials` in its three formats, and the user commands working with no AWS credentials.

use serde_json::{Value, json};
use test_support::local_cognito::{LocalCognito, unique_name};

use crate::harness::Cli;

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn is_rfc3339_utc(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.len() == 20
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            19 => *b == b'Z',
            _ => b.is_ascii_digit(),
        })
}

#[tokio::test]
async fn credentials_in_env_json_and_process_formats() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-creds")).await;
    let user = stack.create_user("gus").await;
    let cli = Cli::for_stack(&stack);
    cli.login(&user).await.ok();
    let id_token = cli.cached(&stack)["idToken"].as_str().unwrap().to_owned();
    let identity_id = stack.get_id(&id_token).await.unwrap();

    let env = cli.run(&["credentials"]).await;
    let lines: Vec<&str> = env.ok().lines().collect();
    assert_eq!(lines.len(), 5, "{}", env.stdout);
    for (line, name) in lines.iter().zip([
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
    ]) {
        assert!(line.starts_with(&format!("export {name}='")) && line.ends_with('\''), "{line}");
    }
    assert!(lines[0].starts_with("export AWS_ACCESS_KEY_ID='ASIA"), "{}", lines[0]);
    assert_eq!(lines[4], format!("# IdentityId {identity_id}"));

    let document: Value = serde_json::from_str(cli.run(&["credentials", "--format", "json"]).await.ok()).unwrap();
    assert_eq!(document["identityId"], json!(identity_id));
    for key in ["accessKeyId", "secretAccessKey", "sessionToken"] {
        assert!(document[key].as_str().is_some_and(|v| !v.is_empty()), "{key}: {document}");
    }
    assert!(is_rfc3339_utc(document["expiration"].as_str().unwrap()), "{document}");
    let with_json_flag: Value = serde_json::from_str(cli.run(&["--json", "credentials"]).await.ok()).unwrap();
    assert_eq!(with_json_flag["identityId"], json!(identity_id), "--json alone picks the json format");

    let process: Value = serde_json::from_str(cli.run(&["credentials", "--format", "process"]).await.ok()).unwrap();
    let keys: Vec<&str> = process.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5, "{process}");
    assert_eq!(process["Version"], json!(1));
    assert!(process["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(process["SecretAccessKey"].as_str().is_some() && process["SessionToken"].as_str().is_some());
    assert!(is_rfc3339_utc(process["Expiration"].as_str().unwrap()), "{process}");
}

/// SignUp, InitiateAuth, GetId and GetCredentialsForIdentity are unauthenticated APIs:
/// a developer needs no AWS credentials of their own.
#[tokio::test]
async fn user_commands_need_no_aws_credentials() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-nocreds")).await;
    let user = stack.create_user("hal").await;
    let cli = Cli::for_stack(&stack).without("AWS_ACCESS_KEY_ID").without("AWS_SECRET_ACCESS_KEY");
    cli.login(&user).await.ok();
    let process: Value = serde_json::from_str(cli.run(&["credentials", "--format", "process"]).await.ok()).unwrap();
    assert_eq!(process["Version"], json!(1));
    cli.run(&["refresh"]).await.ok();

    let admin = cli.run(&["whois", "hal"]).await;
    let line = admin.error(2);
    assert!(line.contains("no AWS credentials found"), "{line}");
}
