//! The authorizer on the identity directory, against the local Cognito and DynamoDB
//! through the real SDK: a directory hit costs no Cognito call, a miss one `GetId` and
//! one directory write, a directory outage falls back to `GetId`; and at scale, fresh
//! instances make at most one `GetId` per user between them.

mod common;

use authorizer::{Authorizer, AuthorizerConfig};
use directory::{IdentityDirectory, IdentityId, NewLink, UserPoolId};
use serde_json::{Value, json};
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, TestStack, env_var_in, unique_name};
use test_support::sample_events::{EventValues, sample_event};
use test_support::token_forge::{id_token_claims, now};
use token_verifier::CognitoJwtVerifier;

const BINARY: &str = env!("CARGO_BIN_EXE_authorizer");

struct Harness {
    stack: TestStack,
    table: String,
    directory: IdentityDirectory,
}

async fn harness() -> Harness {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-dir")).await;
    let table = stack.cognito.create_directory_table(&unique_name("authz-directory")).await;
    let directory = IdentityDirectory::new(stack.cognito.dynamodb(), table.clone());
    Harness { stack, table, directory }
}

impl Harness {
    fn env(&self, extra: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut env = self.stack.function_env();
        env.push(("DIRECTORY_TABLE".into(), self.table.clone()));
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        env
    }

    /// A fresh instance, configured as the deployed function, on the test's directory.
    fn authorizer(&self, extra: &[(&str, &str)]) -> Authorizer {
        self.authorizer_on(self.stack.cognito.dynamodb(), extra)
    }

    /// A fresh instance whose directory, the table its configuration names
    /// (`DIRECTORY_TABLE`), is reached through `dynamodb`: as the function's entry point
    /// builds it.
    fn authorizer_on(&self, dynamodb: aws_sdk_dynamodb::Client, extra: &[(&str, &str)]) -> Authorizer {
        let env = self.env(extra);
        let config = AuthorizerConfig::from_lookup(|name| env_var_in(&env, name)).unwrap();
        let table = config.directory_table.clone().expect("DIRECTORY_TABLE is set");
        assert_eq!(table, self.table);
        let verifier = CognitoJwtVerifier::new(config.verifier.clone());
        Authorizer::new(config, verifier, self.stack.cognito.identity())
            .with_directory(IdentityDirectory::new(dynamodb, table))
    }

    /// Every Cognito API call to the stack's user and identity pools (the JWKS download
    /// a fresh instance makes is not an API call and is not counted).
    async fn cognito_calls(&self) -> usize {
        let identity = self.stack.cognito.calls_for(&self.stack.identity_pool_id).await.len();
        let pool = self.stack.cognito.calls_for(&self.stack.pool_id).await;
        identity + pool.iter().filter(|c| c.service != "jwks").count()
    }

    async fn get_id_calls(&self) -> usize {
        let calls = self.stack.cognito.calls_for(&self.stack.identity_pool_id).await;
        calls.iter().filter(|c| c.operation == "GetId").count()
    }

    async fn table_calls(&self) -> Vec<String> {
        self.stack.cognito.calls_for_table(&self.table).await.into_iter().map(|c| c.operation).collect()
    }

    fn pool(&self) -> UserPoolId {
        UserPoolId::parse(&self.stack.pool_id).unwrap()
    }

    /// An id token of a new user `n` issued before any link (no `custom:identity_id`),
    /// signed with the emulator's pool key.
    async fn unlinked_token(&self, n: usize) -> (String, String) {
        let sub = format!("{n:08x}-0000-4000-8000-000000000000");
        let mut claims = id_token_claims("us-east-1", &self.stack.pool_id, &self.stack.client_id, &sub);
        claims["cognito:username"] = json!(format!("user-{n}"));
        (sub, self.stack.cognito.sign_with_pool_key(&claims).await)
    }
}

fn event(id_token: &str) -> Value {
    sample_event(
        "authorizer-rest-token.json",
        &EventValues { id_token: Some(id_token.to_owned()), ..Default::default() },
    )
}

async fn allow(authorizer: &Authorizer, token: &str) -> Value {
    let answer = authorizer.authorize(&event(token), now()).await.expect("an answer").to_value();
    assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Allow"), "{answer}");
    answer["context"].clone()
}

#[tokio::test]
async fn a_user_in_the_directory_costs_no_cognito_call() {
    let h = harness().await;
    let user = h.stack.create_user("dora").await;
    let token = h.stack.sign_in(&user).await.id_token;
    let identity_id = h.stack.get_id(&token).await.unwrap();
    let link = NewLink {
        identity_id: IdentityId::parse(&identity_id).unwrap(),
        user_pool_id: h.pool(),
        sub: user.sub.clone(),
        username: "dora".into(),
        linked_at: 1,
    };
    h.directory.record_link(&link).await.unwrap();
    let authorizer = h.authorizer(&[]);
    let cognito_before = h.cognito_calls().await;
    let table_before = h.table_calls().await.len();

    let context = allow(&authorizer, &token).await;
    assert_eq!(context["identityId"], json!(identity_id));
    assert_eq!(context["linked"], json!("true"), "the directory holds the link");
    allow(&authorizer, &token).await;
    assert_eq!(h.cognito_calls().await, cognito_before, "zero Cognito calls");
    assert_eq!(h.table_calls().await[table_before..], ["GetItem"], "one read, then the instance's cache");
}

#[tokio::test]
async fn a_miss_is_one_get_id_and_one_write_and_no_other_instance_asks_again() {
    let h = harness().await;
    let (sub, token) = h.unlinked_token(1).await;
    let get_id_before = h.get_id_calls().await;

    let context = allow(&h.authorizer(&[]), &token).await;
    assert_eq!(h.get_id_calls().await - get_id_before, 1);
    assert_eq!(h.table_calls().await.iter().filter(|op| *op == "TransactWriteItems").count(), 1, "one write");
    let entry = h.directory.get_by_user(&h.pool(), &sub).await.unwrap().expect("recorded by the authorizer");
    assert_eq!(json!(entry.identity_id.as_str()), context["identityId"]);
    assert_eq!(entry.username, "user-1");
    assert_eq!(entry.user_pool_written_at, None, "the authorizer never writes the user pool");

    let other_instance = allow(&h.authorizer(&[]), &token).await;
    assert_eq!(other_instance["identityId"], context["identityId"]);
    assert_eq!(h.get_id_calls().await - get_id_before, 1, "another instance reads the directory instead");
    let pool_writes = h.stack.cognito.calls_for(&h.stack.pool_id).await;
    assert!(pool_writes.iter().all(|c| c.operation != "AdminUpdateUserAttributes"));
}

#[tokio::test]
async fn require_linked_denies_users_the_directory_does_not_know() {
    let h = harness().await;
    let (_, unknown) = h.unlinked_token(2).await;
    let (sub, known) = h.unlinked_token(3).await;
    let link = NewLink {
        identity_id: IdentityId::parse("us-east-1:33333333-0000-4000-8000-000000000000").unwrap(),
        user_pool_id: h.pool(),
        sub,
        username: "user-3".into(),
        linked_at: 1,
    };
    h.directory.record_link(&link).await.unwrap();
    let authorizer = h.authorizer(&[("REQUIRE_LINKED", "true")]);
    let before = h.cognito_calls().await;

    let denied = authorizer.authorize(&event(&unknown), now()).await.unwrap().to_value();
    assert_eq!(denied["policyDocument"]["Statement"][0]["Effect"], json!("Deny"), "{denied}");
    let context = allow(&authorizer, &known).await;
    assert_eq!(context["identityId"], json!("us-east-1:33333333-0000-4000-8000-000000000000"));
    assert_eq!(h.cognito_calls().await, before, "no GetId under REQUIRE_LINKED");
}

#[tokio::test]
async fn a_directory_outage_falls_back_to_get_id_with_one_log_line() {
    let h = harness().await;
    let (_, token) = h.unlinked_token(4).await;
    // A directory whose every call fails with a 500 (after no retries).
    let down = aws_smithy_mocks::mock!(aws_sdk_dynamodb::Client::get_item)
        .sequence()
        .http_response(|| {
            aws_smithy_runtime_api::http::Response::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(500).unwrap(),
                aws_smithy_types::body::SdkBody::from(
                    json!({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "down"})
                        .to_string(),
                ),
            )
        })
        .repeatedly()
        .build();
    let client = aws_smithy_mocks::mock_client!(aws_sdk_dynamodb, aws_smithy_mocks::RuleMode::MatchAny, [&down], |c| c
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled()));
    let authorizer = h.authorizer_on(client, &[]);
    let logs = common::LogCapture::install();
    let get_id_before = h.get_id_calls().await;

    let context = allow(&authorizer, &token).await;
    assert!(context["identityId"].as_str().unwrap().starts_with("us-east-1:"), "{context}");
    assert_eq!(context["linked"], json!("false"));
    assert_eq!(h.get_id_calls().await - get_id_before, 1, "Allow via GetId");
    let text = logs.text();
    let fallbacks: Vec<&str> = text.lines().filter(|l| l.contains("directory read failed")).collect();
    assert_eq!(fallbacks.len(), 1, "one log line for the outage:\n{text}");
    assert!(!text.contains("directory write"), "no write is tried while the directory is down:\n{text}");
    assert_eq!(down.num_calls(), 1);
}

/// 3 freshly started authorizer processes × 300 users (60 in `make test`; 300 with
/// `COGNITO_BRIDGE_MEASURE=full`) whose tokens predate their link: at most one `GetId`
/// per user across all instances (the first instance's `GetId`s are recorded in the
/// directory, which the others read). Run one instance after another; instances racing on
/// the same cold user can each miss the directory before either writes (see the report
/// printed by the test).
#[tokio::test]
async fn fresh_instances_make_at_most_one_get_id_per_user_between_them() {
    let users: usize = test_support::measurement::scaled(60, 300);
    let h = harness().await;
    let mut tokens = Vec::with_capacity(users);
    for n in 0..users {
        tokens.push(h.unlinked_token(1_000 + n).await.1);
    }
    let env = h.env(&[]);
    let mut instances = Vec::new();
    for i in 0..3 {
        instances.push(
            LambdaProcess::start_named(BINARY, &format!("authorizer-{i}"), &env).await.expect("the function starts"),
        );
    }
    let get_id_before = h.get_id_calls().await;
    let cognito_before = h.cognito_calls().await;
    let mut per_instance = Vec::new();
    for process in &mut instances {
        let before = h.get_id_calls().await;
        for token in &tokens {
            let answer = process.invoke(&event(token)).await.response();
            assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Allow"), "{answer}");
        }
        per_instance.push(h.get_id_calls().await - before);
    }
    let get_ids = h.get_id_calls().await - get_id_before;
    let cognito = h.cognito_calls().await - cognito_before;
    let writes = h.table_calls().await.iter().filter(|op| *op == "TransactWriteItems").count();
    println!(
        "scale: 3 instances x {users} users: GetId {get_ids} (per instance {per_instance:?}), \
         Cognito calls {cognito}, directory link transactions {writes}"
    );
    assert!(get_ids <= users, "at most one GetId per user across all instances: {get_ids}");
    assert_eq!(per_instance[1..], [0, 0], "later instances read the directory");
    assert_eq!(writes, users, "one directory write per user");
}

/// Adopt mode (`TRUST_TOKEN_IDENTITY_ID=false`): tokens of user `n` carrying
/// `custom:identity_id` = `claimed`, as a user could write it through an app client left
/// able to write custom attributes.
impl Harness {
    async fn token_claiming(&self, n: usize, claimed: &str) -> (String, String) {
        let sub = format!("{n:08x}-0000-4000-8000-000000000000");
        let mut claims = id_token_claims("us-east-1", &self.stack.pool_id, &self.stack.client_id, &sub);
        claims["cognito:username"] = json!(format!("user-{n}"));
        claims["custom:identity_id"] = json!(claimed);
        (sub, self.stack.cognito.sign_with_pool_key(&claims).await)
    }

    async fn link(&self, sub: &str, identity_id: &str) {
        let link = NewLink {
            identity_id: IdentityId::parse(identity_id).unwrap(),
            user_pool_id: self.pool(),
            sub: sub.to_owned(),
            username: "someone".into(),
            linked_at: 1,
        };
        self.directory.record_link(&link).await.unwrap();
    }
}

const ADOPT: &[(&str, &str)] = &[("TRUST_TOKEN_IDENTITY_ID", "false")];
const VICTIM_IDENTITY_ID: &str = "us-east-1:77777777-0000-4000-8000-000000000000";
const OWN_IDENTITY_ID: &str = "us-east-1:55555555-0000-4000-8000-000000000000";

#[tokio::test]
async fn adopt_mode_denies_a_claim_the_directory_contradicts_with_one_warning() {
    let h = harness().await;
    let (sub, token) = h.token_claiming(20, VICTIM_IDENTITY_ID).await;
    h.link(&sub, OWN_IDENTITY_ID).await;
    let authorizer = h.authorizer(ADOPT);
    let logs = common::LogCapture::install();
    let cognito_before = h.cognito_calls().await;

    for _ in 0..2 {
        let answer = authorizer.authorize(&event(&token), now()).await.unwrap().to_value();
        assert_eq!(answer["principalId"], json!(sub), "{answer}");
        assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Deny"), "{answer}");
        assert!(answer.get("context").is_none(), "a Deny carries no identity: {answer}");
    }
    assert_eq!(h.cognito_calls().await, cognito_before, "the directory decides: no Cognito call");
    let decisions = logs.decisions();
    assert_eq!(decisions.len(), 2);
    assert!(decisions.iter().all(|d| d["outcome"] == json!("deny") && d["reason"] == json!("identity_mismatch")));
    let text = logs.text();
    let warnings: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["level"] == json!("WARN"))
        .collect();
    assert_eq!(warnings.len(), 2, "one warning per decision:\n{text}");
    let fields = &warnings[0]["fields"];
    assert_eq!(fields["sub"], json!(sub));
    assert_eq!(fields["user_pool_id"], json!(h.stack.pool_id));
    assert_eq!(fields["directory_identity_id"], json!(OWN_IDENTITY_ID));
    assert_eq!(fields["token_identity_id"], json!(VICTIM_IDENTITY_ID));
    let (_, signature) = token.rsplit_once('.').unwrap();
    assert!(!text.contains(signature) && !text.contains(token.split('.').nth(1).unwrap()), "{text}");
}

#[tokio::test]
async fn adopt_mode_takes_the_identity_id_from_the_directory_never_the_claim() {
    let h = harness().await;
    let (sub, agreeing) = h.token_claiming(21, OWN_IDENTITY_ID).await;
    h.link(&sub, OWN_IDENTITY_ID).await;
    let (_, unclaimed) = h.unlinked_token(21).await;
    let authorizer = h.authorizer(ADOPT);
    let cognito_before = h.cognito_calls().await;
    let table_before = h.table_calls().await.len();

    for token in [&agreeing, &unclaimed, &agreeing] {
        let context = allow(&authorizer, token).await;
        assert_eq!(context["identityId"], json!(OWN_IDENTITY_ID));
        assert_eq!(context["linked"], json!("true"));
    }
    assert_eq!(h.cognito_calls().await, cognito_before, "zero Cognito calls");
    assert_eq!(h.table_calls().await[table_before..], ["GetItem"], "one read, then the instance's cache");
    // The same token in create mode (the default) is believed without a read.
    let created = h.authorizer(&[]);
    let (_, victim) = h.token_claiming(21, VICTIM_IDENTITY_ID).await;
    assert_eq!(allow(&created, &victim).await["identityId"], json!(VICTIM_IDENTITY_ID));
    assert_eq!(h.table_calls().await.len() - table_before, 1, "create mode reads nothing");
}

#[tokio::test]
async fn adopt_mode_treats_the_claim_of_a_user_the_directory_does_not_know_as_absent() {
    let h = harness().await;
    let (sub, token) = h.token_claiming(22, VICTIM_IDENTITY_ID).await;
    let get_id_before = h.get_id_calls().await;

    // REQUIRE_LINKED: the claim does not vouch for the user.
    let required = h.authorizer(&[("TRUST_TOKEN_IDENTITY_ID", "false"), ("REQUIRE_LINKED", "true")]);
    let denied = required.authorize(&event(&token), now()).await.unwrap().to_value();
    assert_eq!(denied["policyDocument"]["Statement"][0]["Effect"], json!("Deny"), "{denied}");
    assert_eq!(h.get_id_calls().await, get_id_before, "no GetId under REQUIRE_LINKED");

    // Otherwise GetId answers, as for a token without the claim, and the link is recorded.
    let context = allow(&h.authorizer(ADOPT), &token).await;
    assert_ne!(context["identityId"], json!(VICTIM_IDENTITY_ID), "{context}");
    assert_eq!(h.get_id_calls().await - get_id_before, 1);
    let entry = h.directory.get_by_user(&h.pool(), &sub).await.unwrap().expect("recorded after GetId");
    assert_eq!(json!(entry.identity_id.as_str()), context["identityId"]);
    // Now the directory knows the user: another instance denies the contradicted claim.
    let other = h.authorizer(ADOPT).authorize(&event(&token), now()).await.unwrap().to_value();
    assert_eq!(other["policyDocument"]["Statement"][0]["Effect"], json!("Deny"), "{other}");
}

/// The built binary in adopt mode at `RUST_LOG=trace`: a contradicted claim is denied, its
/// warning names the two ids, and no log line holds the token.
#[tokio::test]
async fn the_binary_in_adopt_mode_denies_a_contradicted_claim_and_logs_no_token() {
    let h = harness().await;
    let (sub, token) = h.token_claiming(23, VICTIM_IDENTITY_ID).await;
    h.link(&sub, OWN_IDENTITY_ID).await;
    let env = h.env(&[("TRUST_TOKEN_IDENTITY_ID", "false"), ("RUST_LOG", "trace")]);
    let mut process = LambdaProcess::start_named(BINARY, "authorizer-adopt", &env).await.expect("the function starts");

    let answer = process.invoke(&event(&token)).await.response();
    assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Deny"), "{answer}");
    assert_eq!(answer["principalId"], json!(sub));

    let logs = process.logs();
    assert!(logs.lines().count() > 2, "trace logging is on:\n{logs}");
    let warnings: Vec<&str> = logs.lines().filter(|l| l.contains("disagrees with the directory")).collect();
    assert_eq!(warnings.len(), 1, "{logs}");
    assert!(warnings[0].contains(OWN_IDENTITY_ID) && warnings[0].contains(VICTIM_IDENTITY_ID), "{}", warnings[0]);
    assert!(warnings[0].contains("\"WARN\""), "{}", warnings[0]);
    let (_, signature) = token.rsplit_once('.').unwrap();
    let payload = token.split('.').nth(1).unwrap();
    assert!(!logs.contains(signature) && !logs.contains(payload), "a token reached the logs:\n{logs}");
}

/// `IDENTITY_CACHE_TTL_SECONDS`: an instance uses the IdentityId it found for a user until
/// the TTL has passed, then reads the directory again and picks up a changed IdentityId
/// (identities merged, a relink). The clock is the `now` each call is given.
#[tokio::test]
async fn a_cached_identity_id_expires_after_its_ttl_and_a_changed_one_is_picked_up() {
    const BEFORE: &str = "us-east-1:aaaaaaaa-0000-4000-8000-000000000000";
    const AFTER: &str = "us-east-1:bbbbbbbb-0000-4000-8000-000000000000";
    let h = harness().await;
    let (sub, token) = h.unlinked_token(30).await;
    h.link(&sub, BEFORE).await;
    let authorizer = h.authorizer(&[("IDENTITY_CACHE_TTL_SECONDS", "60")]);
    let t0 = now();
    let at = |t: u64| {
        let authorizer = &authorizer;
        let token = token.clone();
        async move {
            let answer = authorizer.authorize(&event(&token), t).await.expect("an answer").to_value();
            answer["context"]["identityId"].clone()
        }
    };
    let reads = || async { h.table_calls().await.iter().filter(|op| *op == "GetItem").count() };
    let reads_before = reads().await;

    assert_eq!(at(t0).await, json!(BEFORE));
    // The user's IdentityId changes in the directory (its by-user item rewritten).
    let changed = NewLink {
        identity_id: IdentityId::parse(AFTER).unwrap(),
        user_pool_id: h.pool(),
        sub: sub.clone(),
        username: "user-30".into(),
        linked_at: 2,
    };
    h.stack
        .cognito
        .dynamodb()
        .put_item()
        .table_name(&h.table)
        .set_item(Some(directory::schema::user_item(&changed)))
        .send()
        .await
        .unwrap();
    assert_eq!(at(t0 + 59).await, json!(BEFORE), "within the TTL: the cached IdentityId");
    assert_eq!(reads().await - reads_before, 1, "one read so far");
    assert_eq!(at(t0 + 60).await, json!(AFTER), "after the TTL: the directory's new answer");
    assert_eq!(at(t0 + 61).await, json!(AFTER));
    assert_eq!(reads().await - reads_before, 2, "one more read, then cached again");
}
