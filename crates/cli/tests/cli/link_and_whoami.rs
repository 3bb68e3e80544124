//! `link` and `whoami` against the in-test API: the SigV4 request shape, the refresh
//! that follows a link, and the API's error statuses mapped to exit codes.

use serde_json::json;
use test_support::local_cognito::{LocalCognito, unique_name};

use crate::harness::{Cli, claims_of, closed_port};
use crate::mock_api::MockApi;

#[tokio::test]
async fn link_signs_with_identity_pool_credentials_then_refreshes() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-link")).await;
    let user = stack.create_user("lee").await;
    let api = MockApi::start(&stack).await;
    // No AWS credentials of its own: link signs with what GetCredentialsForIdentity returned.
    let cli = Cli::for_stack(&stack)
        .without("AWS_ACCESS_KEY_ID")
        .without("AWS_SECRET_ACCESS_KEY")
        .with("COGNITO_BRIDGE_API_URL", &format!("{}/Prod/", api.base_url));
    cli.login(&user).await.ok();
    let token_before = cli.cached(&stack)["idToken"].as_str().unwrap().to_owned();
    let identity_id = stack.get_id(&token_before).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await; // a refreshed token gets a new iat

    let linked = cli.run(&["--json", "link"]).await.json();
    assert_eq!(linked["identityId"], json!(identity_id));
    assert_eq!(linked["sub"], json!(user.sub));
    assert_eq!(linked["changed"], json!(true));
    assert_eq!(linked["tokensRefreshed"], json!(true));
    assert_eq!(linked["identityIdInToken"], json!(identity_id));
    assert_eq!(linked["signedWith"]["identityId"], json!(identity_id));
    assert!(linked.get("idToken").is_none(), "no token without --show-tokens");

    let requests = api.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!((request.method.as_str(), request.path.as_str()), ("POST", "/Prod/link"));
    let access_key_id = linked["signedWith"]["accessKeyId"].as_str().unwrap();
    assert!(access_key_id.starts_with("ASIA"), "identity pool credentials, not ambient ones: {access_key_id}");
    let authorization = &request.headers["authorization"];
    let date = &request.headers["x-amz-date"][..8];
    assert!(
        authorization.starts_with(&format!(
            "AWS4-HMAC-SHA256 Credential={access_key_id}/{date}/us-east-1/execute-api/aws4_request, SignedHeaders="
        )),
        "{authorization}"
    );
    let signed_headers = authorization.split("SignedHeaders=").nth(1).unwrap().split(',').next().unwrap();
    for header in ["content-type", "host", "x-amz-date", "x-amz-security-token"] {
        assert!(signed_headers.split(';').any(|h| h == header), "{header} is signed: {signed_headers}");
    }
    assert!(authorization.contains(", Signature="), "{authorization}");
    assert!(!request.headers["x-amz-security-token"].is_empty(), "the session token is sent");
    let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, json!({"idToken": token_before}), "the body is exactly {{\"idToken\"}}");

    let token_after = cli.cached(&stack)["idToken"].as_str().unwrap().to_owned();
    assert_ne!(token_after, token_before, "the tokens were refreshed and cached");
    assert_eq!(claims_of(&token_after)["custom:identity_id"], json!(identity_id));
    assert_eq!(stack.stored_identity_id(&user.username).await.as_deref(), Some(identity_id.as_str()));

    // Linking again with the refreshed token: nothing to write, nothing to refresh.
    let again = cli.run(&["link"]).await;
    let text = again.ok();
    assert!(text.starts_with("linked lee\n"), "{text}");
    assert!(text.contains("changed           no: already linked"), "{text}");
    assert!(text.contains(&format!("already carries custom:identity_id {identity_id}")), "{text}");
    assert!(!text.contains(&token_after));
}

#[tokio::test]
async fn whoami_sends_the_id_token_and_prints_both_ids() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-whoami")).await;
    let user = stack.create_user("mia").await;
    let api = MockApi::start(&stack).await;
    let cli = Cli::for_stack(&stack).with("COGNITO_BRIDGE_API_URL", &format!("{}/Prod", api.base_url));
    cli.login(&user).await.ok();
    let id_token = cli.cached(&stack)["idToken"].as_str().unwrap().to_owned();
    let identity_id = stack.get_id(&id_token).await.unwrap();

    let text = cli.run(&["whoami"]).await;
    let text = text.ok();
    assert!(text.starts_with("the API sees mia\n"), "{text}");
    assert!(text.contains(&format!("sub          {}", user.sub)), "{text}");
    assert!(text.contains(&format!("identity id  {identity_id}")), "{text}");
    let json = cli.run(&["--json", "whoami"]).await.json();
    assert_eq!(json["sub"], json!(user.sub));
    assert_eq!(json["identityId"], json!(identity_id));

    let requests = api.requests();
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/Prod/whoami");
    assert_eq!(requests[0].headers["authorization"], id_token, "the id token, as is, in Authorization");

    let iam = cli.run(&["--json", "whoami", "--iam"]).await.json();
    let request = api.requests().pop().unwrap();
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", "/Prod/iam/whoami"));
    let authorization = &request.headers["authorization"];
    assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=ASIA"), "{authorization}");
    assert!(authorization.contains("/us-east-1/execute-api/aws4_request, "), "{authorization}");
    assert!(request.headers.contains_key("x-amz-security-token"));
    let key = authorization["AWS4-HMAC-SHA256 Credential=".len()..].split('/').next().unwrap();
    assert_eq!(iam["identityId"], json!(format!("signed-with:{key}")), "prints what the API answered");
    assert_eq!(iam["source"], json!("iam"));
}

#[tokio::test]
async fn api_errors_map_to_exit_codes() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-apierr")).await;
    let user = stack.create_user("ned").await;
    let api = MockApi::start(&stack).await;
    let cli = Cli::for_stack(&stack);
    cli.login(&user).await.ok();

    let denied = cli.run(&["--api-url", &format!("{}/deny", api.base_url), "whoami"]).await.error(3);
    assert_eq!(
        denied,
        "error: whoami failed: the API answered 401: Unauthorized; \
         the API refused the id token: run 'cognito-bridge refresh' or log in again"
    );
    let forbidden = cli.run(&["--api-url", &format!("{}/forbidden", api.base_url), "link"]).await.error(1);
    assert_eq!(
        forbidden,
        "error: link failed: the API answered 403: the signing credentials belong to another user than the id token; \
         the API denied the request to this caller"
    );
    let missing = cli.run(&["--api-url", &format!("{}/Nope", api.base_url), "whoami"]).await.error(1);
    assert!(missing.ends_with("check --api-url (COGNITO_BRIDGE_API_URL), stage included"), "{missing}");

    let unreachable = format!("http://127.0.0.1:{}/Prod", closed_port().await);
    let line = cli.run(&["--api-url", &unreachable, "link"]).await.error(4);
    assert!(line.starts_with(&format!("error: link failed: cannot reach {unreachable}/link: ")), "{line}");
    assert!(line.ends_with("; check --api-url (COGNITO_BRIDGE_API_URL) and the network"), "{line}");
}
