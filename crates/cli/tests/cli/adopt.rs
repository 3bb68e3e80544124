//! `adopt` against a pre-existing app on the local emulator: a pool without
//! `custom:identity_id`, a client with WriteAttributes unset and its own token and OAuth
//! settings, a client with explicit lists, an identity pool, and a bucket with an SQS
//! notification on `uploads/`. Plan, apply, the second apply, the drift check, and every
//! refusal, each of which leaves every resource as it was.

use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter, QueueConfiguration,
    S3KeyFilter,
};
use idp::types::{
    AttributeDataType, AttributeType, ExplicitAuthFlowsType, OAuthFlowType, PreventUserExistenceErrorTypes,
    SchemaAttributeType, TimeUnitsType, TokenValidityUnitsType, UserPoolClientType,
};
use serde_json::Value;
use test_support::local_cognito::{LocalCognito, REGION, TestStack, TestUser, unique_name};

use crate::harness::Cli;

const UPLOADS_QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:team-uploads";
const BRIDGE_QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:bridge-object-events";

/// The team's app, as it was before the bridge.
struct ExistingApp {
    stack: TestStack,
    /// WriteAttributes unset, custom token validity and OAuth settings.
    web_client: String,
    /// Explicit ReadAttributes / WriteAttributes without the identity.
    admin_client: String,
    bucket: String,
    s3: aws_sdk_s3::Client,
    cli: Cli,
}

/// Everything adopt may change, to compare before and after.
#[derive(Debug, PartialEq)]
struct Snapshot {
    schema: Vec<String>,
    clients: Vec<UserPoolClientType>,
    notifications: NotificationConfiguration,
}

fn uploads_rule(id: &str, queue: &str, prefix: &str) -> QueueConfiguration {
    let rule = FilterRule::builder().name(FilterRuleName::Prefix).value(prefix).build();
    QueueConfiguration::builder()
        .id(id)
        .queue_arn(queue)
        .events(Event::S3ObjectCreated)
        .filter(
            NotificationConfigurationFilter::builder().key(S3KeyFilter::builder().filter_rules(rule).build()).build(),
        )
        .build()
        .unwrap()
}

/// A pool, two clients, an identity pool, a bucket with an `uploads/` queue rule, a directory table.
/// `identity_attribute`: a pre-existing `custom:identity_id` of that type and mutability.
async fn existing_app(prefix: &str, identity_attribute: Option<(AttributeDataType, bool)>) -> ExistingApp {
    let cognito = LocalCognito::from_env().await;
    let name = unique_name(prefix);
    let idp = cognito.idp();
    let mut pool = idp.create_user_pool().pool_name(&name).schema(
        SchemaAttributeType::builder()
            .name("plan")
            .attribute_data_type(AttributeDataType::String)
            .mutable(true)
            .build(),
    );
    if let Some((data_type, mutable)) = identity_attribute {
        pool = pool.schema(
            SchemaAttributeType::builder().name("identity_id").attribute_data_type(data_type).mutable(mutable).build(),
        );
    }
    let pool_id = pool.send().await.expect("CreateUserPool").user_pool.unwrap().id.unwrap();
    let web_client = idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .refresh_token_validity(10)
        .access_token_validity(2)
        .id_token_validity(3)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Hours)
                .id_token(TimeUnitsType::Hours)
                .refresh_token(TimeUnitsType::Days)
                .build(),
        )
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_flows_user_pool_client(true)
        .callback_urls("https://app.example.com/callback")
        .logout_urls("https://app.example.com/bye")
        .default_redirect_uri("https://app.example.com/callback")
        .supported_identity_providers("COGNITO")
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .enable_token_revocation(false)
        .auth_session_validity(12)
        .send()
        .await
        .expect("CreateUserPoolClient web")
        .user_pool_client
        .and_then(|c| c.client_id)
        .unwrap();
    let admin_client = idp
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("admin")
        .read_attributes("email")
        .read_attributes("name")
        .write_attributes("name")
        .send()
        .await
        .expect("CreateUserPoolClient admin")
        .user_pool_client
        .and_then(|c| c.client_id)
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
                .client_id(&web_client)
                .build(),
        )
        .send()
        .await
        .expect("CreateIdentityPool")
        .identity_pool_id;
    let s3 = aws_sdk_s3::Client::new(cognito.sdk_config());
    let bucket = format!("{name}-bucket").to_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.expect("CreateBucket");
    s3.put_bucket_notification_configuration()
        .bucket(&bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(uploads_rule("uploads", UPLOADS_QUEUE, "uploads/"))
                .build(),
        )
        .skip_destination_validation(true)
        .send()
        .await
        .expect("PutBucketNotificationConfiguration");
    let table = cognito.create_directory_table(&name).await;
    let stack = TestStack { cognito, pool_id, client_id: web_client.clone(), identity_pool_id, provider_name };
    let cli = Cli::for_stack(&stack)
        .without("COGNITO_BRIDGE_CLIENT_ID")
        .with("COGNITO_BRIDGE_BUCKET", &bucket)
        .with("COGNITO_BRIDGE_DIRECTORY_TABLE", &table);
    ExistingApp { stack, web_client, admin_client, bucket, s3, cli }
}

impl ExistingApp {
    async fn client(&self, client_id: &str) -> UserPoolClientType {
        self.stack
            .cognito
            .idp()
            .describe_user_pool_client()
            .user_pool_id(&self.stack.pool_id)
            .client_id(client_id)
            .send()
            .await
            .expect("DescribeUserPoolClient")
            .user_pool_client
            .unwrap()
    }

    async fn notifications(&self) -> NotificationConfiguration {
        let answer = self
            .s3
            .get_bucket_notification_configuration()
            .bucket(&self.bucket)
            .send()
            .await
            .expect("GetBucketNotification");
        NotificationConfiguration::builder()
            .set_queue_configurations(answer.queue_configurations)
            .set_topic_configurations(answer.topic_configurations)
            .set_lambda_function_configurations(answer.lambda_function_configurations)
            .set_event_bridge_configuration(answer.event_bridge_configuration)
            .build()
    }

    async fn snapshot(&self) -> Snapshot {
        let pool = self
            .stack
            .cognito
            .idp()
            .describe_user_pool()
            .user_pool_id(&self.stack.pool_id)
            .send()
            .await
            .expect("DescribeUserPool")
            .user_pool
            .unwrap();
        let schema = pool
            .schema_attributes()
            .iter()
            .map(|a| format!("{}:{:?}:{:?}", a.name().unwrap_or_default(), a.attribute_data_type(), a.mutable()))
            .collect();
        let clients = vec![self.client(&self.web_client).await, self.client(&self.admin_client).await];
        Snapshot { schema, clients, notifications: self.notifications().await }
    }

    async fn update_own_attribute(&self, user: &TestUser, name: &str, value: &str) -> Result<(), String> {
        let tokens = self.stack.sign_in_with(user, &self.web_client).await;
        self.stack
            .cognito
            .idp()
            .update_user_attributes()
            .access_token(tokens.access_token)
            .user_attributes(AttributeType::builder().name(name).value(value).build().unwrap())
            .send()
            .await
            .map(|_| ())
            .map_err(|err| format!("{}", idp::error::DisplayErrorContext(err)))
    }

    async fn cognito_calls(&self) -> Vec<String> {
        self.stack.cognito.calls_for(&self.stack.pool_id).await.into_iter().map(|c| c.operation).collect()
    }
}

fn actions(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["action"].as_str().unwrap().to_owned(), c["resource"]["id"].as_str().unwrap().to_owned()))
        .collect()
}

fn count(calls: &[String], operation: &str) -> usize {
    calls.iter().filter(|c| *c == operation).count()
}

#[tokio::test]
async fn plan_then_apply_closes_the_write_hole_keeps_every_setting_and_a_second_apply_changes_nothing() {
    let app = existing_app("cli-adopt", None).await;
    let user = app.stack.create_user("ada").await;
    app.update_own_attribute(&user, "custom:identity_id", "us-east-1:someone-else").await.expect_err(
        "the attribute does not exist yet, so the schema refuses it; the hole is the client's unset WriteAttributes",
    );
    let before = app.snapshot().await;

    let plan = app.cli.run(&["--json", "adopt"]).await.json();
    let pool = app.stack.pool_id.clone();
    let expected = vec![
        ("add-custom-attribute".to_owned(), pool.clone()),
        ("restrict-client-attributes".to_owned(), app.web_client.clone()),
        ("restrict-client-attributes".to_owned(), app.admin_client.clone()),
        ("enable-eventbridge".to_owned(), app.bucket.clone()),
        ("sweep".to_owned(), app.bucket.clone()),
    ];
    let mut planned = actions(&plan);
    planned[1..3].sort_by_key(|(_, id)| if *id == app.web_client { 0 } else { 1 });
    assert_eq!(planned, expected, "{plan:#}");
    let web =
        plan["changes"].as_array().unwrap().iter().find(|c| c["resource"]["id"] == app.web_client.as_str()).unwrap();
    assert_eq!(web["resource"]["kind"], "app-client");
    assert_eq!(web["resource"]["name"], "web");
    assert!(web["reason"].as_str().unwrap().contains("WriteAttributes is unset"), "{web}");
    let web_writes: Vec<&str> =
        web["writeAttributes"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(web_writes.contains(&"name") && web_writes.contains(&"custom:plan"), "{web_writes:?}");
    assert!(!web_writes.contains(&"custom:identity_id") && !web_writes.contains(&"email_verified"), "{web_writes:?}");
    assert_eq!(app.snapshot().await, before, "a plan writes nothing");
    let text = app.cli.run(&["adopt"]).await;
    assert!(text.ok().contains("nothing written; run with --apply"), "{}", text.stdout);

    let s3_calls = |calls: Vec<test_support::local_cognito::EmulatorCall>| {
        calls
            .into_iter()
            .filter(|c| c.service == "s3" && c.operation.contains(&app.bucket))
            .map(|c| c.operation)
            .collect::<Vec<_>>()
    };
    let s3_before = s3_calls(app.stack.cognito.all_calls().await).len();
    let calls_before = app.cognito_calls().await;
    let applied = app.cli.run(&["--json", "adopt", "--apply"]).await.json();
    let calls_after = app.cognito_calls().await;
    let calls: Vec<String> = calls_after[calls_before.len()..].to_vec();
    let s3_after = s3_calls(app.stack.cognito.all_calls().await);
    eprintln!("adopt --apply: S3 calls on the bucket: {:?}", &s3_after[s3_before..]);
    let s3_apply = &s3_after[s3_before..];
    assert_eq!(s3_apply.len(), 4, "GetBucketNotificationConfiguration: plan, check pass, right before; one Put");
    assert_eq!(s3_apply.iter().filter(|c| c.starts_with("PUT ")).count(), 1);
    assert_eq!(applied["applied"], true);
    assert_eq!(applied["sweep"]["started"], false, "the sweep is started at merge: {applied}");
    assert!(applied["sweep"]["reason"].as_str().unwrap().contains("--queue-url"));
    eprintln!(
        "adopt --apply, 2 clients: {} Cognito calls: DescribeUserPool {}, DescribeIdentityPool (identity pool, not counted here), ListUserPoolClients {}, DescribeUserPoolClient {}, UpdateUserPoolClient {}, AddCustomAttributes {}",
        calls.len(),
        count(&calls, "DescribeUserPool"),
        count(&calls, "ListUserPoolClients"),
        count(&calls, "DescribeUserPoolClient"),
        count(&calls, "UpdateUserPoolClient"),
        count(&calls, "AddCustomAttributes"),
    );
    assert_eq!(count(&calls, "DescribeUserPoolClient"), 2 * 3, "per client: plan, check pass, right before the write");
    assert_eq!(count(&calls, "UpdateUserPoolClient"), 2);
    assert_eq!(count(&calls, "AddCustomAttributes"), 1);
    assert_eq!(count(&calls, "ListUserPoolClients"), 1);

    // Every setting of the web client is what it was, but WriteAttributes.
    let after = app.client(&app.web_client).await;
    let mut expected_web = before.clients[0].clone();
    expected_web.write_attributes = Some(web_writes.iter().map(|s| (*s).to_owned()).collect());
    expected_web.last_modified_date = after.last_modified_date;
    assert_eq!(after, expected_web);
    assert_eq!(after.refresh_token_validity, 10);
    assert_eq!(after.auth_session_validity, Some(12));
    assert_eq!(after.enable_token_revocation, Some(false));
    assert_eq!(after.prevent_user_existence_errors, Some(PreventUserExistenceErrorTypes::Enabled));
    assert_eq!(after.callback_urls(), ["https://app.example.com/callback"]);
    let admin = app.client(&app.admin_client).await;
    assert_eq!(admin.read_attributes(), ["email", "name", "custom:identity_id"]);
    assert_eq!(admin.write_attributes(), ["name"]);

    // The user can no longer write the attribute with their access token, and still writes `name`.
    let refused = app.update_own_attribute(&user, "custom:identity_id", "us-east-1:someone-else").await.unwrap_err();
    assert!(refused.contains("NotAuthorizedException"), "{refused}");
    app.update_own_attribute(&user, "name", "Ada L.").await.expect("name stays writable");
    assert_eq!(app.stack.stored_identity_id("ada").await, None);

    // The bucket keeps its rule and sends events to EventBridge.
    let notifications = app.notifications().await;
    assert_eq!(notifications.queue_configurations(), before.notifications.queue_configurations());
    assert!(notifications.event_bridge_configuration().is_some());

    // A second apply finds nothing to change.
    let second = app.cli.run(&["--json", "adopt", "--apply"]).await.json();
    assert_eq!(second["changes"], serde_json::json!([]));
    let text = app.cli.run(&["adopt", "--apply"]).await;
    assert!(text.ok().contains("nothing to change"), "{}", text.stdout);

    // Drift: a client created later that can write the attribute shows up again.
    let later = app
        .stack
        .cognito
        .idp()
        .create_user_pool_client()
        .user_pool_id(&app.stack.pool_id)
        .client_name("later")
        .send()
        .await
        .unwrap()
        .user_pool_client
        .and_then(|c| c.client_id)
        .unwrap();
    let drift = app.cli.run(&["--json", "adopt"]).await.json();
    assert_eq!(actions(&drift), vec![("restrict-client-attributes".to_owned(), later.clone())]);
    let warned = drift["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains(&later));
    assert!(warned, "not a client of the identity pool: {drift}");
    // --client-id limits the clients adopt looks at.
    let chosen =
        app.cli.run(&["--json", "adopt", "--client-id", &app.web_client, "--client-id", &app.admin_client]).await;
    assert_eq!(chosen.json()["changes"], serde_json::json!([]));
}

#[tokio::test]
async fn refusals_name_the_resource_exit_with_their_code_and_change_nothing() {
    let app = existing_app("cli-adopt-bad", None).await;
    let before = app.snapshot().await;
    let cli = &app.cli;
    let missing_pool = format!("{REGION}_NoSuchPool");
    let cases: Vec<(Vec<&str>, i32, String)> = vec![
        (vec!["adopt", "--apply", "--user-pool-id", &missing_pool], 5, format!("user pool {missing_pool} not found")),
        (
            vec!["adopt", "--apply", "--identity-pool-id", "us-east-1:00000000-0000-4000-8000-000000000000"],
            5,
            "identity pool us-east-1:00000000-0000-4000-8000-000000000000 not found".into(),
        ),
        (
            vec!["adopt", "--apply", "--bucket", "no-such-bucket-adopt"],
            5,
            "bucket no-such-bucket-adopt not found".into(),
        ),
        (
            vec!["adopt", "--apply", "--directory-table", "no-such-table"],
            5,
            "directory table no-such-table not found".into(),
        ),
        (vec!["adopt", "--apply", "--client-id", "nosuchclient"], 5, "app client nosuchclient not found".into()),
    ];
    for (args, code, needle) in cases {
        let line = cli.run(&args).await.error(code);
        assert!(line.contains(&needle), "{args:?}: {line}");
    }
    let other = LocalCognito::from_env().await.create_stack(&unique_name("cli-adopt-other")).await;
    let line = cli.run(&["adopt", "--apply", "--identity-pool-id", &other.identity_pool_id]).await.error(2);
    assert!(line.contains("does not list user pool"), "{line}");
    assert_eq!(app.snapshot().await, before, "no refusal wrote anything");

    // A rule that already sends private/ events to the bridge's queue would double-deliver.
    app.s3
        .put_bucket_notification_configuration()
        .bucket(&app.bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(uploads_rule("uploads", UPLOADS_QUEUE, "uploads/"))
                .queue_configurations(uploads_rule("old-bridge", BRIDGE_QUEUE, "private/"))
                .build(),
        )
        .skip_destination_validation(true)
        .send()
        .await
        .unwrap();
    let before = app.snapshot().await;
    let line = cli.run(&["adopt", "--apply", "--queue-arn", BRIDGE_QUEUE]).await.error(7);
    assert!(line.contains("bucket") && line.contains("old-bridge") && !line.contains("uploads,"), "{line}");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn an_existing_identity_attribute_of_another_type_or_immutable_is_a_conflict() {
    for (data_type, mutable, needle) in [
        (AttributeDataType::Number, true, "its type is Number (needs String)"),
        (AttributeDataType::String, false, "it is immutable"),
    ] {
        let app = existing_app("cli-adopt-type", Some((data_type, mutable))).await;
        let before = app.snapshot().await;
        let line = app.cli.run(&["adopt", "--apply"]).await.error(7);
        assert!(
            line.contains(&format!("user pool {}", app.stack.pool_id)) && line.contains("custom:identity_id"),
            "{line}"
        );
        assert!(line.contains(needle), "{line}");
        assert_eq!(app.snapshot().await, before);
    }
}

/// A client changed by another tool between the plan and the writes: adopt stops, naming
/// it, before writing anything.
#[cfg(feature = "adopt-test-hook")]
#[tokio::test]
async fn a_client_changed_between_plan_and_write_stops_adopt_before_any_write() {
    use std::time::Duration;
    let app = existing_app("cli-adopt-race", None).await;
    let pause = app.cli.scratch_dir().join("pause");
    std::fs::create_dir_all(&pause).unwrap();
    let mut command = tokio::process::Command::new(crate::harness::BINARY);
    command
        .args(["adopt", "--apply"])
        .env_clear()
        .envs(app.cli.env_vars())
        .env("COGNITO_BRIDGE_ADOPT_PAUSE_DIR", &pause)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let child = command.spawn().unwrap();
    for _ in 0..600 {
        if pause.join("paused").exists() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(pause.join("paused").exists(), "adopt did not reach its writes");
    // Another tool changes the admin client (a full update, as a careful tool would).
    let admin = app.client(&app.admin_client).await;
    app.stack
        .cognito
        .idp()
        .update_user_pool_client()
        .user_pool_id(&app.stack.pool_id)
        .client_id(&app.admin_client)
        .client_name("admin")
        .set_read_attributes(admin.read_attributes)
        .set_write_attributes(admin.write_attributes)
        .refresh_token_validity(5)
        .send()
        .await
        .unwrap();
    let before = app.snapshot().await;
    std::fs::write(pause.join("resume"), b"").unwrap();
    let output = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output()).await.unwrap().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(
        stderr.contains(&format!("app client {}", app.admin_client)) && stderr.contains("changed since the plan"),
        "{stderr}"
    );
    assert_eq!(
        app.snapshot().await,
        before,
        "nothing written: not the attribute, not the other client, not the bucket"
    );
}

/// Arms the emulator's fault switch: the next call of `operation` in `pool` is refused as IAM
/// refuses a caller without the permission (AccessDeniedException).
async fn deny_next(endpoint: &str, operation: &str, pool: &str) {
    use http_body_util::Full;
    use hyper::body::Bytes;
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Full<Bytes>>();
    let body = serde_json::json!({"operation": operation, "kind": "denied", "count": 1, "pool": pool});
    let request = hyper::Request::post(format!("{endpoint}/_emulator/faults"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let response = client.request(request).await.expect("emulator fault switch");
    assert!(response.status().is_success(), "arming the fault: {}", response.status());
}

#[tokio::test]
async fn a_denied_action_is_named_and_nothing_is_written() {
    let app = existing_app("cli-adopt-denied", None).await;
    let before = app.snapshot().await;
    deny_next(&app.stack.cognito.endpoint, "AddCustomAttributes", &app.stack.pool_id).await;
    let line = app.cli.run(&["adopt", "--apply"]).await.error(6);
    assert!(line.contains("access denied to cognito-idp:AddCustomAttributes on user pool"), "{line}");
    assert_eq!(app.snapshot().await, before, "the first write was refused: nothing else was written");
    deny_next(&app.stack.cognito.endpoint, "DescribeUserPoolClient", &app.stack.pool_id).await;
    let line = app.cli.run(&["adopt"]).await.error(6);
    assert!(line.contains("access denied to cognito-idp:DescribeUserPoolClient on app client"), "{line}");
}
