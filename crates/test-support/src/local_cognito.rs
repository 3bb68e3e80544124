//! The local Cognito emulator as seen from a test: SDK clients pointed at it,
//! its call log, its JWKS switch, and fixtures that create real pools and users.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde_json::Value;

/// The region every test stack lives in.
pub const REGION: &str = "us-east-1";

/// The emulator's URL from `AWS_ENDPOINT_URL`; the suite is run by `make test`, which sets it.
pub fn endpoint_from_env() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost") => url,
        Ok(url) => panic!("AWS_ENDPOINT_URL={url} is not a loopback emulator; tests only talk to the local Cognito"),
        Err(_) => panic!("AWS_ENDPOINT_URL is not set: run the suite with `make test`, which starts the local Cognito"),
    }
}

/// One AWS call the emulator received.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct EmulatorCall {
    /// `cognito-idp`, `cognito-identity` or `jwks`.
    pub service: String,
    /// The API operation, e.g. `GetId`.
    pub operation: String,
    /// The user pool or identity pool the call named, when it named one.
    #[serde(default)]
    pub pool: Option<String>,
    /// The DynamoDB table the call named (the first one, for batch and transaction calls).
    #[serde(default)]
    pub table: Option<String>,
}

/// A handle on the running emulator.
#[derive(Clone)]
pub struct LocalCognito {
    /// Base URL, e.g. `http://127.0.0.1:43121`.
    pub endpoint: String,
    sdk: SdkConfig,
}

impl LocalCognito {
    /// Connects to the emulator named by `AWS_ENDPOINT_URL` (panics with how-to if unset).
    pub async fn from_env() -> Self {
        let endpoint = endpoint_from_env();
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&endpoint)
            .credentials_provider(idp::config::Credentials::new("testing", "testing", None, None, "local"))
            .load()
            .await;
        LocalCognito { endpoint, sdk }
    }

    /// The shared SDK configuration pointing at the emulator.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }

    /// A user pool client.
    pub fn idp(&self) -> idp::Client {
        idp::Client::new(&self.sdk)
    }

    /// An identity pool client.
    pub fn identity(&self) -> identity::Client {
        identity::Client::new(&self.sdk)
    }

    /// Every call the emulator logged that names `pool` (a user or identity pool id).
    pub async fn calls_for(&self, pool: &str) -> Vec<EmulatorCall> {
        self.all_calls().await.into_iter().filter(|c| c.pool.as_deref() == Some(pool)).collect()
    }

    /// Every DynamoDB call the emulator logged that names `table`.
    pub async fn calls_for_table(&self, table: &str) -> Vec<EmulatorCall> {
        self.all_calls().await.into_iter().filter(|c| c.table.as_deref() == Some(table)).collect()
    }

    /// Creates an identity directory table named after `name` from template.yaml's own
    /// `DirectoryTable` definition (tests/emulator/create_local_stack.py reads it), and
    /// returns the table's name. One table per test keeps parallel tests apart.
    pub async fn create_directory_table(&self, name: &str) -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let python = root.join(".venv/bin/python");
        let output = tokio::process::Command::new(&python)
            .arg(root.join("tests/emulator/create_local_stack.py"))
            .args(["--directory-table", &self.endpoint, name])
            .output()
            .await
            .unwrap_or_else(|error| panic!("{}: {error} (run `make venv`)", python.display()));
        assert!(
            output.status.success(),
            "create_local_stack.py --directory-table failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let created: Value = serde_json::from_slice(&output.stdout).expect("create_local_stack.py prints JSON");
        created["DirectoryTableName"].as_str().expect("DirectoryTableName").to_owned()
    }

    /// A DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk)
    }

    /// Every call the emulator logged since it started.
    pub async fn all_calls(&self) -> Vec<EmulatorCall> {
        #[derive(Deserialize)]
        struct Calls {
            calls: Vec<EmulatorCall>,
        }
        let body = self.control("GET", "/_emulator/calls", None).await;
        serde_json::from_value::<Calls>(body).expect("call log").calls
    }

    /// Makes `pool`'s JWKS endpoint answer normally (`ok`), fail (`down`) or hang for `seconds`.
    pub async fn set_jwks_mode(&self, pool: &str, mode: &str, seconds: u64) {
        let body = serde_json::json!({"pool": pool, "mode": mode, "seconds": seconds});
        self.control("POST", "/_emulator/jwks", Some(body)).await;
    }

    /// A token with arbitrary `claims`, signed with the emulator's user pool key
    /// (as a real pool would sign it): for expired or otherwise crafted real tokens.
    pub async fn sign_with_pool_key(&self, claims: &Value) -> String {
        let body = self.control("POST", "/_emulator/sign", Some(serde_json::json!({"claims": claims}))).await;
        body["token"].as_str().expect("signed token").to_owned()
    }

    /// Merges identity `source` into `destination`, as Cognito does when logins are linked
    /// (tests/emulator/identity_lifecycle.py): `destination` survives and takes the
    /// source's logins; `source` is disabled.
    pub async fn merge_identities(&self, source: &str, destination: &str) {
        let body = serde_json::json!({"source": source, "destination": destination});
        self.control("POST", "/_emulator/identities/merge", Some(body)).await;
    }

    async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.endpoint, path))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.map(|b| b.to_string()).unwrap_or_default())))
            .unwrap();
        let response = client.request(request).await.expect("emulator control request");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("emulator body").to_bytes();
        assert!(status.is_success(), "emulator {method} {path}: {status} {}", String::from_utf8_lossy(&bytes));
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }

    /// Creates a user pool (with the read-only `custom:identity_id`), an app client and an
    /// identity pool bound to them: the resources `template.yaml` creates.
    pub async fn create_stack(&self, name: &str) -> TestStack {
        let idp = self.idp();
        let pool = idp
            .create_user_pool()
            .pool_name(name)
            .schema(
                idp::types::SchemaAttributeType::builder()
                    .name("identity_id")
                    .attribute_data_type(idp::types::AttributeDataType::String)
                    .mutable(true)
                    .build(),
            )
            .send()
            .await
            .expect("CreateUserPool")
            .user_pool
            .unwrap();
        let pool_id = pool.id.unwrap();
        let client_id = self.create_app_client(&pool_id, "app").await;
        let provider_name = format!("cognito-idp.{REGION}.amazonaws.com/{pool_id}");
        let identity_pool_id = self
            .identity()
            .create_identity_pool()
            .identity_pool_name(name.replace('-', "_"))
            .allow_unauthenticated_identities(false)
            .cognito_identity_providers(
                identity::types::CognitoIdentityProvider::builder()
                    .provider_name(&provider_name)
                    .client_id(&client_id)
                    .server_side_token_check(false)
                    .build(),
            )
            .send()
            .await
            .expect("CreateIdentityPool")
            .identity_pool_id;
        TestStack { cognito: self.clone(), pool_id, client_id, identity_pool_id, provider_name }
    }

    /// Creates another app client of `pool_id` (one the identity pool does not list).
    pub async fn create_app_client(&self, pool_id: &str, name: &str) -> String {
        self.idp()
            .create_user_pool_client()
            .user_pool_id(pool_id)
            .client_name(name)
            .explicit_auth_flows(idp::types::ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(idp::types::ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(idp::types::ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .read_attributes("email")
            .read_attributes("custom:identity_id")
            .write_attributes("email")
            .send()
            .await
            .expect("CreateUserPoolClient")
            .user_pool_client
            .and_then(|c| c.client_id)
            .unwrap()
    }
}

/// A user pool, its app client and an identity pool, created for one test.
#[derive(Clone)]
pub struct TestStack {
    /// The emulator the stack lives in.
    pub cognito: LocalCognito,
    /// e.g. `us-east-1_abc123`.
    pub pool_id: String,
    /// The app client the identity pool accepts.
    pub client_id: String,
    /// e.g. `us-east-1:…`.
    pub identity_pool_id: String,
    /// `cognito-idp.us-east-1.amazonaws.com/<pool>`: the `Logins` key.
    pub provider_name: String,
}

/// Tokens from one sign-in.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// The id token.
    pub id_token: String,
    /// The access token.
    pub access_token: String,
    /// The refresh token (absent after a refresh).
    pub refresh_token: Option<String>,
}

/// Temporary AWS credentials of one identity pool identity.
#[derive(Debug, Clone)]
pub struct IdentityCredentials {
    /// The IdentityId they were issued for.
    pub identity_id: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret key.
    pub secret_key: String,
    /// The session token.
    pub session_token: String,
}

/// A confirmed user with a permanent password.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
    /// The user pool `sub`.
    pub sub: String,
}

/// The password every test user gets.
pub const TEST_PASSWORD: &str = "Correct-Horse-9-Battery";

impl TestStack {
    /// Creates a confirmed user with email `<username>@example.com`.
    pub async fn create_user(&self, username: &str) -> TestUser {
        let idp = self.cognito.idp();
        let created = idp
            .admin_create_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .user_attributes(
                idp::types::AttributeType::builder()
                    .name("email")
                    .value(format!("{username}@example.com"))
                    .build()
                    .unwrap(),
            )
            .message_action(idp::types::MessageActionType::Suppress)
            .send()
            .await
            .expect("AdminCreateUser");
        idp.admin_set_user_password()
            .user_pool_id(&self.pool_id)
            .username(username)
            .password(TEST_PASSWORD)
            .permanent(true)
            .send()
            .await
            .expect("AdminSetUserPassword");
        let sub = created
            .user
            .and_then(|u| u.attributes)
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.name == "sub")
            .and_then(|a| a.value)
            .expect("sub attribute");
        TestUser { username: username.to_owned(), password: TEST_PASSWORD.to_owned(), sub }
    }

    /// Signs `user` in through `client_id` (default: the stack's client) with USER_PASSWORD_AUTH.
    pub async fn sign_in_with(&self, user: &TestUser, client_id: &str) -> Tokens {
        self.initiate_auth(
            client_id,
            idp::types::AuthFlowType::UserPasswordAuth,
            &[("USERNAME", &user.username), ("PASSWORD", &user.password)],
        )
        .await
    }

    /// Signs `user` in through the stack's app client.
    pub async fn sign_in(&self, user: &TestUser) -> Tokens {
        self.sign_in_with(user, &self.client_id).await
    }

    /// New tokens from a refresh token (what a client does after linking).
    pub async fn refresh(&self, refresh_token: &str) -> Tokens {
        let flow = idp::types::AuthFlowType::RefreshTokenAuth;
        self.initiate_auth(&self.client_id, flow, &[("REFRESH_TOKEN", refresh_token)]).await
    }

    /// One `InitiateAuth` that must answer with tokens (no challenge).
    async fn initiate_auth(
        &self,
        client_id: &str,
        flow: idp::types::AuthFlowType,
        parameters: &[(&str, &str)],
    ) -> Tokens {
        let flow_name = flow.as_str().to_owned();
        let mut request = self.cognito.idp().initiate_auth().client_id(client_id).auth_flow(flow);
        for (name, value) in parameters {
            request = request.auth_parameters(*name, *value);
        }
        let result = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("InitiateAuth {flow_name}: {e:?}"))
            .authentication_result
            .unwrap_or_else(|| panic!("InitiateAuth {flow_name} answered with no tokens"));
        Tokens {
            id_token: result.id_token.expect("IdToken"),
            access_token: result.access_token.expect("AccessToken"),
            refresh_token: result.refresh_token,
        }
    }

    /// Writes `identity_id` as `username`'s `custom:identity_id` (`AdminUpdateUserAttributes`),
    /// as a link does: for tests of what a linked user's tokens and lookups show.
    pub async fn set_identity_id(&self, username: &str, identity_id: &str) {
        let attribute = idp::types::AttributeType::builder()
            .name("custom:identity_id")
            .value(identity_id)
            .build()
            .expect("attribute");
        self.cognito
            .idp()
            .admin_update_user_attributes()
            .user_pool_id(&self.pool_id)
            .username(username)
            .user_attributes(attribute)
            .send()
            .await
            .expect("AdminUpdateUserAttributes");
    }

    /// The user's `custom:identity_id` as stored in the pool (`AdminGetUser`).
    pub async fn stored_identity_id(&self, username: &str) -> Option<String> {
        self.cognito
            .idp()
            .admin_get_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .expect("AdminGetUser")
            .user_attributes
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.name == "custom:identity_id")
            .and_then(|a| a.value)
    }

    /// `GetId` with `id_token` in the `Logins` map, as the link Lambda calls it.
    pub async fn get_id(
        &self,
        id_token: &str,
    ) -> Result<String, identity::error::SdkError<identity::operation::get_id::GetIdError>> {
        self.cognito
            .identity()
            .get_id()
            .identity_pool_id(&self.identity_pool_id)
            .logins(&self.provider_name, id_token)
            .send()
            .await
            .map(|out| out.identity_id.expect("IdentityId"))
    }

    /// The identity pool credentials of the user signed in with `id_token` (`GetId`,
    /// then `GetCredentialsForIdentity`), as a browser gets them to sign IAM requests.
    pub async fn identity_credentials(&self, id_token: &str) -> IdentityCredentials {
        let identity_id = self.get_id(id_token).await.expect("GetId");
        let credentials = self
            .cognito
            .identity()
            .get_credentials_for_identity()
            .identity_id(&identity_id)
            .logins(&self.provider_name, id_token)
            .send()
            .await
            .expect("GetCredentialsForIdentity")
            .credentials
            .expect("credentials");
        IdentityCredentials {
            identity_id,
            access_key_id: credentials.access_key_id.expect("AccessKeyId"),
            secret_key: credentials.secret_key.expect("SecretKey"),
            session_token: credentials.session_token.expect("SessionToken"),
        }
    }

    /// The value of `name` in [`TestStack::function_env`]: a lookup for the functions'
    /// `from_lookup` configuration constructors.
    pub fn env_var(&self, name: &str) -> Option<String> {
        env_var_in(&self.function_env(), name)
    }

    /// Environment a function of this stack is configured with.
    pub fn function_env(&self) -> Vec<(String, String)> {
        vec![
            ("USER_POOL_ID".into(), self.pool_id.clone()),
            ("USER_POOL_CLIENT_IDS".into(), self.client_id.clone()),
            ("IDENTITY_POOL_ID".into(), self.identity_pool_id.clone()),
            ("AWS_REGION".into(), REGION.into()),
            ("AWS_ENDPOINT_URL".into(), self.cognito.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ]
    }

    /// [`Self::function_env`] plus `DIRECTORY_TABLE`: a new identity directory table
    /// named after `prefix`, as the deployed link and authorizer are configured.
    pub async fn function_env_with_directory(&self, prefix: &str) -> Vec<(String, String)> {
        let mut env = self.function_env();
        env.push(("DIRECTORY_TABLE".into(), self.cognito.create_directory_table(&unique_name(prefix)).await));
        env
    }

    /// The values that turn `events/` samples into events of `user` of this stack,
    /// signed in with `tokens`, whose IdentityId is `identity_id`.
    pub fn event_values(
        &self,
        user: &TestUser,
        tokens: &Tokens,
        identity_id: &str,
    ) -> crate::sample_events::EventValues {
        crate::sample_events::EventValues {
            user_pool_id: Some(self.pool_id.clone()),
            identity_pool_id: Some(self.identity_pool_id.clone()),
            identity_id: Some(identity_id.to_owned()),
            sub: Some(user.sub.clone()),
            id_token: Some(tokens.id_token.clone()),
        }
    }
}

/// A unique name for test resources, so tests can share one emulator in parallel.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// The value of `name` in an environment given as pairs (a [`TestStack::function_env`]
/// with test-specific additions, say).
pub fn env_var_in(env: &[(String, String)], name: &str) -> Option<String> {
    env.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone())
}
