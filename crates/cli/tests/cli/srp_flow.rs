//! The default USER_SRP_AUTH login. Against the local emulator, which verifies the SRP
//! proof like Cognito: the right password signs in (tokens cached), a wrong one is refused
//! with Cognito's message. Against a stand-in that answers like Cognito: the exchange the
//! CLI sends, and that the password never leaves it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::token_forge::{TestKey, id_token_claims};

use crate::harness::{Cli, claims_of};
use crate::mock_api::{MockApi, answer};

const POOL: &str = "us-east-1_SrpPool1";
const CLIENT: &str = "srpclient";
const PASSWORD: &str = "Correct-Horse-9-Battery";

#[tokio::test]
async fn srp_login_against_the_local_emulator_signs_in_with_the_right_password() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-srp")).await;
    let user = stack.create_user("dan").await;
    let cli = Cli::for_stack(&stack);
    let run = cli.run_in_env(&["login", "--username", &user.username], "COGNITO_BRIDGE_PASSWORD", &user.password).await;
    assert!(run.ok().starts_with("signed in as dan\n"), "{}", run.stdout);
    let cached = cli.cached(&stack);
    let claims = claims_of(cached["idToken"].as_str().expect("an id token"));
    assert_eq!(claims["sub"], json!(user.sub));
    assert_eq!(claims["cognito:username"], json!("dan"));
    assert!(cached["refreshToken"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(!run.stderr.contains(&user.password) && !run.stdout.contains(&user.password));

    // The refresh token from an SRP sign-in works like any other.
    let refreshed = cli.run(&["refresh"]).await;
    refreshed.ok();
    assert_eq!(claims_of(cli.cached(&stack)["idToken"].as_str().unwrap())["sub"], json!(user.sub));
}

#[tokio::test]
async fn srp_login_against_the_local_emulator_refuses_a_wrong_password() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-srp-bad")).await;
    let user = stack.create_user("dora").await;
    let cli = Cli::for_stack(&stack);
    let wrong = "Not-The-Password-42";
    let run = cli.run_in_env(&["login", "--username", &user.username], "COGNITO_BRIDGE_PASSWORD", wrong).await;
    assert_eq!(
        run.error(1),
        "error: login failed: NotAuthorizedException: Incorrect username or password.; check the username and password"
    );
    assert!(!run.stderr.contains(wrong));
    assert!(!cli.cache_file(&stack).exists(), "no cache file after a refused login");
}

fn secret_block() -> String {
    STANDARD.encode([7u8; 64])
}

#[tokio::test]
async fn srp_login_sends_a_proof_never_the_password() {
    let mut claims = id_token_claims("us-east-1", POOL, CLIENT, "5e0c1f7a-2b3c-4d5e-8f90-a1b2c3d4e5f6");
    claims["cognito:username"] = json!("zoe");
    let id_token = TestKey::generate("k1").sign(&claims);
    let tokens = json!({"IdToken": id_token, "AccessToken": "acc.ess.token", "RefreshToken": "refresh", "ExpiresIn": 3600, "TokenType": "Bearer"});
    let cognito = MockApi::serve(move |request| {
        let tokens = tokens.clone();
        async move {
            let target = request.headers.get("x-amz-target").cloned().unwrap_or_default();
            match target.as_str() {
                "AWSCognitoIdentityProviderService.InitiateAuth" => answer(
                    200,
                    json!({
                        "ChallengeName": "PASSWORD_VERIFIER",
                        "Session": "session-1",
                        "ChallengeParameters": {
                            "SALT": "36ef01c6dde9fe503da333b1acc758ba",
                            "SRP_B": "ab".repeat(384),
                            "USERNAME": "zoe",
                            "USER_ID_FOR_SRP": "zoe",
                            "SECRET_BLOCK": secret_block(),
                        }
                    }),
                ),
                "AWSCognitoIdentityProviderService.RespondToAuthChallenge" => {
                    answer(200, json!({"ChallengeParameters": {}, "AuthenticationResult": tokens}))
                }
                _ => answer(400, json!({"__type": "UnknownOperationException"})),
            }
        }
    })
    .await;
    let cli = Cli::bare()
        .with("AWS_ENDPOINT_URL", &cognito.base_url)
        .with("AWS_REGION", "us-east-1")
        .with("COGNITO_BRIDGE_USER_POOL_ID", POOL)
        .with("COGNITO_BRIDGE_CLIENT_ID", CLIENT);

    let run = cli.run_with_stdin(&["login", "--username", "zoe", "--password-stdin"], &format!("{PASSWORD}\n")).await;
    assert!(run.ok().starts_with("signed in as zoe\n"), "{}", run.stdout);
    let cached: Value = serde_json::from_str(
        &std::fs::read_to_string(cli.cache_dir().join(format!("tokens-{POOL}-{CLIENT}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(cached["refreshToken"], json!("refresh"));

    let requests = cognito.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    for request in &requests {
        assert!(!String::from_utf8_lossy(&request.body).contains(PASSWORD), "the password was sent");
    }
    let started: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(started["AuthFlow"], json!("USER_SRP_AUTH"));
    assert_eq!(started["ClientId"], json!(CLIENT));
    assert_eq!(started["AuthParameters"]["USERNAME"], json!("zoe"));
    let srp_a = started["AuthParameters"]["SRP_A"].as_str().unwrap();
    assert!(srp_a.len() >= 700 && srp_a.chars().all(|c| c.is_ascii_hexdigit()), "A is a 3072-bit hex number");

    let answered: Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(answered["ChallengeName"], json!("PASSWORD_VERIFIER"));
    assert_eq!(answered["Session"], json!("session-1"));
    let responses = &answered["ChallengeResponses"];
    assert_eq!(responses["USERNAME"], json!("zoe"));
    assert_eq!(responses["PASSWORD_CLAIM_SECRET_BLOCK"], json!(secret_block()));
    let signature = STANDARD.decode(responses["PASSWORD_CLAIM_SIGNATURE"].as_str().unwrap()).unwrap();
    assert_eq!(signature.len(), 32, "an HMAC-SHA256");
    let timestamp = responses["TIMESTAMP"].as_str().unwrap();
    let words: Vec<&str> = timestamp.split_whitespace().collect();
    assert!(words.len() == 6 && words[4] == "UTC", "Cognito's format, e.g. Mon Nov 23 11:00:00 UTC 2026: {timestamp}");
}
