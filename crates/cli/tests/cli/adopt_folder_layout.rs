//! `adopt --folder-layout sub|both` against the local emulator: a team's identity pool
//! whose authenticated role (in the emulator's IAM, which scopes the credentials it
//! issues) has a trust policy without `sts:TagSession` and a statement of their own. The
//! plan writes nothing; apply adds `sts:TagSession` to the Cognito statement only, then
//! merges the tag `sub` into the provider's map; sessions then carry the tag and reach
//! their own `users/<sub>/` folder only. A second apply writes nothing; a map that gives
//! the tag `sub` to another claim, or a trust policy with no Cognito statement, stops
//! adopt before any write.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{EventBridgeConfiguration, NotificationConfiguration};
use serde_json::{Value, json};
use test_support::local_cognito::{IdentityCredentials, LocalCognito, TestStack, unique_name};

use crate::harness::Cli;

/// IAM calls name no pool in the emulator's call log: these tests, the only ones that
/// call IAM, run one at a time so that each counts its own.
static IAM_CALLS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A policy document as IAM returns it: URL-encoded JSON (RFC 3986).
fn parse_policy_document(raw: &str) -> Value {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                decoded
                    .push(u8::from_str_radix(std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap(), 16).unwrap());
                index += 3;
            }
            other => {
                decoded.push(other);
                index += 1;
            }
        }
    }
    serde_json::from_slice(&decoded).expect("a JSON policy document")
}

/// A team's app with an authenticated role, before the bridge's folder layout.
struct TeamApp {
    stack: TestStack,
    role_name: String,
    bucket: String,
    iam: aws_sdk_iam::Client,
    cli: Cli,
}

/// A statement of the team's own, which adopt must keep as it is.
fn ops_statement() -> Value {
    json!({
        "Sid": "BatchJobs",
        "Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"
    })
}

/// The trust policy of an identity pool's authenticated role (as the IAM console writes
/// it), and the team's own statement.
fn trust_policy(identity_pool_id: &str, tag_session: bool) -> Value {
    let action = match tag_session {
        true => json!(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]),
        false => json!("sts:AssumeRoleWithWebIdentity"),
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CognitoSignIn",
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": action,
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}
                }
            },
            ops_statement()
        ]
    })
}

/// A user pool, its client and identity pool (create_stack), a bucket whose EventBridge
/// switch is already on (so the plan holds the layout's changes only), a directory
/// table, and the authenticated role: the team's `private/<IdentityId>/` grant plus the
/// stack's `SubFolderPolicy` as adopt mode attaches it to the role by name.
async fn team_app(prefix: &str, tag_session: bool) -> TeamApp {
    let cognito = LocalCognito::from_env().await;
    let name = unique_name(prefix);
    let stack = cognito.create_stack(&name).await;
    let table = cognito.create_directory_table(&name).await;
    let s3 = aws_sdk_s3::Client::new(cognito.sdk_config());
    let bucket = format!("{name}-files").to_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.expect("CreateBucket");
    s3.put_bucket_notification_configuration()
        .bucket(&bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .event_bridge_configuration(EventBridgeConfiguration::builder().build())
                .build(),
        )
        .send()
        .await
        .expect("PutBucketNotificationConfiguration");
    let iam = aws_sdk_iam::Client::new(cognito.sdk_config());
    let role_name = format!("{name}-auth");
    let role_arn = iam
        .create_role()
        .role_name(&role_name)
        .assume_role_policy_document(trust_policy(&stack.identity_pool_id, tag_session).to_string())
        .send()
        .await
        .expect("CreateRole")
        .role
        .expect("role")
        .arn;
    let private = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": format!("arn:aws:s3:::{bucket}/private/${{cognito-identity.amazonaws.com:sub}}/*")
    }]});
    // template.yaml's SubFolderPolicy with ExistingBucketName.
    let sub_folder = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging"],
        "Resource": format!("arn:aws:s3:::{bucket}/users/${{aws:PrincipalTag/sub}}/*")
    }]});
    for (policy_name, document) in [("team-private", private), ("sub-folder", sub_folder)] {
        iam.put_role_policy()
            .role_name(&role_name)
            .policy_name(policy_name)
            .policy_document(document.to_string())
            .send()
            .await
            .expect("PutRolePolicy");
    }
    cognito
        .identity()
        .set_identity_pool_roles()
        .identity_pool_id(&stack.identity_pool_id)
        .roles("authenticated", &role_arn)
        .send()
        .await
        .expect("SetIdentityPoolRoles");
    let cli = Cli::for_stack(&stack)
        .without("COGNITO_BRIDGE_CLIENT_ID")
        .with("COGNITO_BRIDGE_BUCKET", &bucket)
        .with("COGNITO_BRIDGE_DIRECTORY_TABLE", &table);
    TeamApp { stack, role_name, bucket, iam, cli }
}

impl TeamApp {
    async fn trust_policy(&self) -> Value {
        let role = self.iam.get_role().role_name(&self.role_name).send().await.expect("GetRole").role.unwrap();
        parse_policy_document(&role.assume_role_policy_document.unwrap())
    }

    async fn set_trust_policy(&self, document: &Value) {
        self.iam
            .update_assume_role_policy()
            .role_name(&self.role_name)
            .policy_document(document.to_string())
            .send()
            .await
            .expect("UpdateAssumeRolePolicy");
    }

    /// (UseDefaults, PrincipalTags) of the pool's provider.
    async fn tag_map(&self) -> (bool, Value) {
        let map = self
            .stack
            .cognito
            .identity()
            .get_principal_tag_attribute_map()
            .identity_pool_id(&self.stack.identity_pool_id)
            .identity_provider_name(&self.stack.provider_name)
            .send()
            .await
            .expect("GetPrincipalTagAttributeMap");
        (map.use_defaults.unwrap_or(false), json!(map.principal_tags.unwrap_or_default()))
    }

    async fn set_tag_map(&self, use_defaults: bool, tags: &[(&str, &str)]) {
        let mut request = self
            .stack
            .cognito
            .identity()
            .set_principal_tag_attribute_map()
            .identity_pool_id(&self.stack.identity_pool_id)
            .identity_provider_name(&self.stack.provider_name)
            .use_defaults(use_defaults);
        for (tag, claim) in tags {
            request = request.principal_tags(*tag, *claim);
        }
        request.send().await.expect("SetPrincipalTagAttributeMap");
    }

    /// The role's trust policy and the provider's map: everything the layout may change.
    async fn snapshot(&self) -> (Value, (bool, Value)) {
        (self.trust_policy().await, self.tag_map().await)
    }

    /// The calls logged since `from` on this app's resources: its pools, its bucket, IAM.
    async fn own_calls(&self, from: usize) -> Vec<String> {
        let pools = [Some(self.stack.pool_id.as_str()), Some(self.stack.identity_pool_id.as_str())];
        self.stack.cognito.all_calls().await[from..]
            .iter()
            .filter(|c| c.service == "iam" || pools.contains(&c.pool.as_deref()) || c.operation.contains(&self.bucket))
            .map(|c| c.operation.clone())
            .collect()
    }

    /// The IAM and principal-tag calls logged since `from`.
    async fn layout_calls(&self, from: usize) -> Vec<String> {
        let calls = self.own_calls(from).await;
        calls
            .into_iter()
            .filter(|c| ["GetRole", "UpdateAssumeRolePolicy"].contains(&c.as_str()) || c.contains("PrincipalTag"))
            .collect()
    }

    async fn call_count(&self) -> usize {
        self.stack.cognito.all_calls().await.len()
    }

    /// An S3 client signed with a user's identity pool credentials.
    fn s3_as(&self, credentials: &IdentityCredentials) -> aws_sdk_s3::Client {
        let keys = aws_credential_types::Credentials::new(
            &credentials.access_key_id,
            &credentials.secret_key,
            Some(credentials.session_token.clone()),
            None,
            "identity-pool",
        );
        let config = aws_sdk_s3::config::Builder::from(self.stack.cognito.sdk_config())
            .credentials_provider(keys)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    async fn put_as(&self, credentials: &IdentityCredentials, key: &str) -> Result<(), String> {
        self.s3_as(credentials)
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from_static(b"hello"))
            .send()
            .await
            .map(|_| ())
            .map_err(|err| format!("{}", aws_sdk_s3::error::DisplayErrorContext(err)))
    }
}

/// What the emulator knows of issued credentials (their principal tags among it).
async fn issued(endpoint: &str, access_key_id: &str) -> Value {
    use http_body_util::{BodyExt, Empty};
    use hyper::body::Bytes;
    let client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri = format!("{endpoint}/_emulator/credentials/{access_key_id}");
    let response = client.get(uri.parse().unwrap()).await.expect("emulator credentials");
    assert!(response.status().is_success(), "{}", response.status());
    serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap()
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
async fn plan_writes_nothing_apply_allows_tagging_then_maps_sub_and_a_second_apply_writes_nothing() {
    let _one_at_a_time = IAM_CALLS.lock().await;
    let app = team_app("cli-adopt-layout", false).await;
    let uma = app.stack.create_user("uma").await;
    let otto = app.stack.create_user("otto").await;
    let before = app.snapshot().await;
    assert_eq!(before.1, (false, json!({})));

    let plan = app.cli.run(&["--json", "adopt", "--folder-layout", "both"]).await.json();
    assert_eq!(
        actions(&plan),
        [
            ("allow-tag-session".to_owned(), app.role_name.clone()),
            ("map-principal-tag".to_owned(), app.stack.identity_pool_id.clone())
        ],
        "the trust policy first, then the map: {plan:#}"
    );
    let trust = &plan["changes"][0];
    assert_eq!(trust["resource"]["kind"], "iam-role");
    assert_eq!(
        trust["statements"],
        json!([{"index": 0, "sid": "CognitoSignIn",
        "actionsBefore": ["sts:AssumeRoleWithWebIdentity"], "actionsAfter": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]}])
    );
    assert_eq!(plan["changes"][1]["diff"], json!(["+ sub <- sub"]));
    assert_eq!(plan["changes"][1]["provider"], app.stack.provider_name.as_str());
    let text = app.cli.run(&["adopt", "--folder-layout", "both"]).await;
    let text = text.ok();
    assert!(
        text.contains("statement 1 (Sid \"CognitoSignIn\"): Action [sts:AssumeRoleWithWebIdentity] -> [sts:AssumeRoleWithWebIdentity, sts:TagSession]"),
        "{text}"
    );
    assert!(text.contains("     + sub <- sub\n"), "{text}");
    assert_eq!(app.snapshot().await, before, "a plan writes nothing");

    let from = app.call_count().await;
    let applied = app.cli.run(&["--json", "adopt", "--apply", "--folder-layout", "both"]).await.json();
    assert_eq!(applied["applied"], true);
    let calls = app.layout_calls(from).await;
    eprintln!("adopt --apply --folder-layout both: IAM and principal-tag calls {calls:?}");
    assert_eq!(count(&calls, "GetRole"), 3, "plan, check pass, right before the write");
    assert_eq!(count(&calls, "UpdateAssumeRolePolicy"), 1);
    assert_eq!(count(&calls, "GetPrincipalTagAttributeMap"), 3);
    assert_eq!(count(&calls, "SetPrincipalTagAttributeMap"), 1);
    let trust_write = calls.iter().position(|c| c == "UpdateAssumeRolePolicy").unwrap();
    let map_write = calls.iter().position(|c| c == "SetPrincipalTagAttributeMap").unwrap();
    assert!(trust_write < map_write, "the trust policy is written before the map: {calls:?}");

    // Only the Cognito statement gained the action; the team's own statement is as it was.
    let trust = app.trust_policy().await;
    assert_eq!(trust["Statement"][0]["Action"], json!(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]));
    assert_eq!(trust["Statement"][0]["Condition"], before.0["Statement"][0]["Condition"]);
    assert_eq!(trust["Statement"][1], ops_statement());
    assert_eq!(trust["Statement"].as_array().unwrap().len(), 2);
    assert_eq!(app.tag_map().await, (false, json!({"sub": "sub"})));

    // A session now carries the tag, and reaches its own users/<sub>/ folder only.
    let credentials = app.stack.identity_credentials(&app.stack.sign_in(&uma).await.id_token).await;
    let session = issued(&app.stack.cognito.endpoint, &credentials.access_key_id).await;
    assert_eq!(session["principalTags"], json!({"sub": uma.sub}));
    app.put_as(&credentials, &format!("users/{}/notes.txt", uma.sub)).await.expect("her own users/<sub>/ folder");
    let refused = app.put_as(&credentials, &format!("users/{}/notes.txt", otto.sub)).await.unwrap_err();
    assert!(refused.contains("AccessDenied"), "{refused}");
    app.put_as(&credentials, &format!("private/{}/old.txt", credentials.identity_id))
        .await
        .expect("the team's private/<IdentityId>/ grant is kept");

    // Again: nothing to change, and not one write.
    let from = app.call_count().await;
    let second = app.cli.run(&["--json", "adopt", "--apply", "--folder-layout", "both"]).await.json();
    assert_eq!(second["changes"], json!([]));
    assert_eq!(second["unchanged"].as_array().unwrap().len(), 2, "{second}");
    let calls = app.layout_calls(from).await;
    assert_eq!(count(&calls, "UpdateAssumeRolePolicy") + count(&calls, "SetPrincipalTagAttributeMap"), 0, "{calls:?}");
    let writes: Vec<_> = app
        .own_calls(from)
        .await
        .into_iter()
        .filter(|c| {
            ["Update", "Set", "Put", "Add", "Create", "Delete", "PUT", "POST", "DELETE"]
                .iter()
                .any(|verb| c.starts_with(verb))
        })
        .collect();
    assert_eq!(writes, Vec::<String>::new(), "a second apply writes nothing");
    let text = app.cli.run(&["adopt", "--apply", "--folder-layout", "both"]).await;
    let text = text.ok();
    assert!(text.contains("no change: role") && text.contains("nothing to change"), "{text}");

    // The default layout reads neither the role nor the maps.
    let from = app.call_count().await;
    app.cli.run(&["adopt"]).await.ok();
    assert_eq!(app.layout_calls(from).await, Vec::<String>::new());
}

#[tokio::test]
async fn another_mapping_and_the_default_map_are_kept_and_a_role_that_allows_tagging_is_no_change() {
    let _one_at_a_time = IAM_CALLS.lock().await;
    let app = team_app("cli-adopt-tags", true).await;
    app.set_tag_map(false, &[("team", "aud")]).await;
    let plan = app.cli.run(&["--json", "adopt", "--apply", "--folder-layout", "sub"]).await.json();
    assert_eq!(actions(&plan), [("map-principal-tag".to_owned(), app.stack.identity_pool_id.clone())]);
    assert!(plan["unchanged"][0].as_str().unwrap().contains(&app.role_name), "{plan}");
    assert_eq!(plan["changes"][0]["diff"], json!(["  team <- aud", "+ sub <- sub"]));
    assert_eq!(app.tag_map().await, (false, json!({"team": "aud", "sub": "sub"})));
    let uma = app.stack.create_user("uma").await;
    let credentials = app.stack.identity_credentials(&app.stack.sign_in(&uma).await.id_token).await;
    let session = issued(&app.stack.cognito.endpoint, &credentials.access_key_id).await;
    assert_eq!(session["principalTags"], json!({"sub": uma.sub, "team": app.stack.client_id}));

    // Cognito's default map (UseDefaults) is written out, so sessions keep its tags.
    app.set_tag_map(true, &[]).await;
    app.cli.run(&["adopt", "--apply", "--folder-layout", "sub"]).await.ok();
    assert_eq!(app.tag_map().await, (false, json!({"username": "sub", "client": "aud", "sub": "sub"})));
}

#[tokio::test]
async fn a_taken_sub_tag_or_a_trust_policy_without_cognito_is_a_conflict_and_nothing_is_written() {
    let _one_at_a_time = IAM_CALLS.lock().await;
    let app = team_app("cli-adopt-taken", false).await;
    app.set_tag_map(false, &[("sub", "email")]).await;
    let before = app.snapshot().await;
    let from = app.call_count().await;
    let line = app.cli.run(&["adopt", "--apply", "--folder-layout", "both"]).await.error(7);
    assert!(
        line.contains("\"sub\"") && line.contains("\"email\"") && line.contains(&app.stack.provider_name),
        "names the tag, its claim and the provider: {line}"
    );
    assert_eq!(app.snapshot().await, before, "not even the trust policy");
    let calls = app.layout_calls(from).await;
    assert_eq!(count(&calls, "UpdateAssumeRolePolicy") + count(&calls, "SetPrincipalTagAttributeMap"), 0);

    app.set_tag_map(false, &[]).await;
    app.set_trust_policy(&json!({"Version": "2012-10-17", "Statement": [ops_statement()]})).await;
    let before = app.snapshot().await;
    let line = app.cli.run(&["adopt", "--apply", "--folder-layout", "sub"]).await.error(7);
    assert!(line.contains(&format!("role {}", app.role_name)), "{line}");
    assert!(
        line.contains("no statement with Effect Allow") && line.contains("sts:AssumeRoleWithWebIdentity"),
        "{line}"
    );
    assert_eq!(app.snapshot().await, before);
}

/// Why apply writes the trust policy first: a map set while the role does not allow
/// `sts:TagSession` makes Cognito refuse every user's credentials. adopt repairs it.
#[tokio::test]
async fn a_map_without_tag_session_refuses_credentials_until_adopt_allows_tagging() {
    let _one_at_a_time = IAM_CALLS.lock().await;
    let app = team_app("cli-adopt-order", false).await;
    let uma = app.stack.create_user("uma").await;
    let id_token = app.stack.sign_in(&uma).await.id_token;
    app.stack.identity_credentials(&id_token).await;
    app.set_tag_map(false, &[("sub", "sub")]).await;
    let identity_id = app.stack.get_id(&id_token).await.unwrap();
    let refused = app
        .stack
        .cognito
        .identity()
        .get_credentials_for_identity()
        .identity_id(&identity_id)
        .logins(&app.stack.provider_name, &id_token)
        .send()
        .await
        .unwrap_err();
    let refused = format!("{}", aws_sdk_cognitoidentity::error::DisplayErrorContext(refused));
    assert!(refused.contains("InvalidIdentityPoolConfigurationException"), "{refused}");

    let applied = app.cli.run(&["--json", "adopt", "--apply", "--folder-layout", "sub"]).await.json();
    assert_eq!(actions(&applied), [("allow-tag-session".to_owned(), app.role_name.clone())]);
    let credentials = app.stack.identity_credentials(&id_token).await;
    let session = issued(&app.stack.cognito.endpoint, &credentials.access_key_id).await;
    assert_eq!(session["principalTags"], json!({"sub": uma.sub}));
}

/// The trust policy changed by another tool between the plan and the writes: adopt stops,
/// naming the role, before writing anything.
#[cfg(feature = "adopt-test-hook")]
#[tokio::test]
async fn a_trust_policy_changed_between_plan_and_write_stops_adopt_before_any_write() {
    let _one_at_a_time = IAM_CALLS.lock().await;
    use std::time::Duration;
    let app = team_app("cli-adopt-trust-race", false).await;
    let pause = app.cli.scratch_dir().join("pause");
    std::fs::create_dir_all(&pause).unwrap();
    let mut command = tokio::process::Command::new(crate::harness::BINARY);
    command
        .args(["adopt", "--apply", "--folder-layout", "both"])
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
    let mut changed = app.trust_policy().await;
    changed["Statement"][1]["Action"] = json!(["sts:AssumeRole", "sts:SetSourceIdentity"]);
    app.set_trust_policy(&changed).await;
    let before = app.snapshot().await;
    std::fs::write(pause.join("resume"), b"").unwrap();
    let output = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output()).await.unwrap().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(
        stderr.contains(&format!("role {}", app.role_name))
            && stderr.contains("its trust policy changed since the plan"),
        "{stderr}"
    );
    assert_eq!(app.snapshot().await, before, "neither the trust policy nor the map written");
}
