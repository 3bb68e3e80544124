//! The authorizer's configuration, read once at start-up from the environment.

use std::time::Duration;

use lambda_foundation::IdentityPoolId;
use lambda_foundation::env_config::{ConfigError, optional, optional_bool, parsed};
use token_verifier::{AcceptedTokens, VerifierConfig};

use crate::deadline::{DEFAULT_DEADLINE, MAX_DEADLINE, MIN_DEADLINE, jwks_fetch_timeout};
use crate::route_rules::RouteRules;

/// Default lifetime of a verified-token cache entry (the token's `exp` still caps it).
pub const DEFAULT_VERIFIED_TOKEN_CACHE_TTL_SECONDS: u64 = 300;
/// Upper bound for `VERIFIED_TOKEN_CACHE_TTL_SECONDS`: Cognito id tokens live at most a day.
pub const MAX_VERIFIED_TOKEN_CACHE_TTL_SECONDS: u64 = 86_400;

/// Default lifetime of a cached IdentityId per user (`IDENTITY_CACHE_TTL_SECONDS`).
pub const DEFAULT_IDENTITY_CACHE_TTL_SECONDS: u64 = 600;
/// Upper bound for `IDENTITY_CACHE_TTL_SECONDS`: a day.
pub const MAX_IDENTITY_CACHE_TTL_SECONDS: u64 = 86_400;

/// How an HTTP API (payload 2.0) authorizer answers; REST APIs and payload 1.0 always
/// take an IAM policy, so this matters only for payload 2.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpApiResponseFormat {
    /// `{"isAuthorized": bool, "context": {…}}`: the format HTTP APIs are usually set up with.
    #[default]
    Simple,
    /// An IAM policy document, for HTTP APIs whose authorizer has simple responses disabled.
    Iam,
}

/// Everything the authorizer needs besides AWS credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerConfig {
    /// Token verification settings (pool, accepted clients, JWKS location).
    pub verifier: VerifierConfig,
    /// The identity pool whose IdentityIds go into the context, e.g. `us-east-1:…`.
    pub identity_pool_id: IdentityPoolId,
    /// `REQUIRE_LINKED`. `true`: deny every token whose IdentityId neither the token
    /// (`custom:identity_id`) nor the identity directory gives (with no `DIRECTORY_TABLE`,
    /// every token without the attribute), and never call `GetId`; a directory that
    /// cannot be read fails the call (500) instead of denying it.
    /// `false` (the default): an id token the directory does not know is resolved with
    /// `GetId`, and an access token it does not know is allowed without an IdentityId.
    /// See `decision::plan_identity`.
    pub require_linked: bool,
    /// `TRUST_TOKEN_IDENTITY_ID`. `true` (the default, create mode): a token's
    /// `custom:identity_id` is its IdentityId, because our own app client cannot write it.
    /// `false` (adopt mode, where a team's existing client may have been left able to
    /// write custom attributes): the IdentityId comes from the directory by (pool, `sub`),
    /// never from the claim, and a claim the directory contradicts is denied. See
    /// `token_identity`.
    pub trust_token_identity_id: bool,
    /// The answer format for HTTP API payload 2.0 events: `AUTHORIZER_RESPONSE`; unset, it
    /// is `simple` without route rules and `iam` with them. `simple` with route rules
    /// stops start-up: a simple answer cannot name routes, and API Gateway reuses a
    /// cached answer on other routes unless `$context.routeKey` is an identity source,
    /// which no request can prove (its identity-source values are request values).
    pub http_api_response: HttpApiResponseFormat,
    /// How long a verified token is trusted without re-verifying it (0 disables the cache).
    pub verified_token_cache_ttl_secs: u64,
    /// How long an instance uses an IdentityId it found (directory or `GetId`) for a user
    /// before asking again (`IDENTITY_CACHE_TTL_SECONDS`, 0 disables the cache): an
    /// IdentityId can change under a user, and the change must be picked up.
    pub identity_cache_ttl_secs: u64,
    /// The scopes and groups ruled routes need (`ROUTE_SCOPES`, `ROUTE_GROUPS`).
    pub route_rules: RouteRules,
    /// The identity directory's table (`DIRECTORY_TABLE`), which the entry point opens and
    /// hands to [`Authorizer::with_directory`](crate::Authorizer::with_directory). `None`:
    /// unlinked users are resolved with `GetId` alone, as before the directory existed
    /// (the stack always sets it).
    pub directory_table: Option<String>,
    /// `AUTHORIZER_DEADLINE_MS` (default 3000, from 100 to 9000): the one time budget of
    /// a request, shared by the JWKS fetch, the directory read, `GetId` and the directory
    /// write (see `crate::deadline`). It must be below the function's timeout (the
    /// template's test checks its pair; each invocation is also cut to Lambda's own
    /// deadline) and below API Gateway's 10 s.
    pub deadline: Duration,
}

impl AuthorizerConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut verifier = VerifierConfig::from_lookup(&lookup)?;
        let deadline = match optional(&lookup, "AUTHORIZER_DEADLINE_MS") {
            None => DEFAULT_DEADLINE,
            Some(value) => parse_deadline(&value)?,
        };
        verifier.fetch_timeout = jwks_fetch_timeout(verifier.fetch_timeout, deadline);
        let identity_pool_id = parsed(&lookup, "IDENTITY_POOL_ID", IdentityPoolId::parse)?;
        let require_linked = optional_bool(&lookup, "REQUIRE_LINKED", false)?;
        let trust_token_identity_id = optional_bool(&lookup, "TRUST_TOKEN_IDENTITY_ID", true)?;
        let verified_token_cache_ttl_secs = match optional(&lookup, "VERIFIED_TOKEN_CACHE_TTL_SECONDS") {
            None => DEFAULT_VERIFIED_TOKEN_CACHE_TTL_SECONDS,
            Some(value) => parse_ttl(&value)?,
        };
        let identity_cache_ttl_secs = match optional(&lookup, "IDENTITY_CACHE_TTL_SECONDS") {
            None => DEFAULT_IDENTITY_CACHE_TTL_SECONDS,
            Some(value) => parse_seconds(&value, "IDENTITY_CACHE_TTL_SECONDS", MAX_IDENTITY_CACHE_TTL_SECONDS)?,
        };
        let route_rules = parse_route_rules(&lookup, verifier.token_use)?;
        let http_api_response =
            answer_format(optional(&lookup, "AUTHORIZER_RESPONSE").as_deref(), !route_rules.is_empty())?;
        let directory_table = optional(&lookup, "DIRECTORY_TABLE");
        Ok(AuthorizerConfig {
            verifier,
            identity_pool_id,
            require_linked,
            trust_token_identity_id,
            http_api_response,
            verified_token_cache_ttl_secs,
            identity_cache_ttl_secs,
            route_rules,
            directory_table,
            deadline,
        })
    }

    /// Whether the request budget fits a function whose timeout is `function_timeout`:
    /// an error naming `AUTHORIZER_DEADLINE_MS` when it is not below it. Lambda does not
    /// tell a function its timeout at start-up, so this checks a deployment's pair (the
    /// template's, in its test); at run time each invocation is cut to Lambda's deadline.
    pub fn check_function_timeout(&self, function_timeout: Duration) -> Result<(), ConfigError> {
        if self.deadline < function_timeout {
            return Ok(());
        }
        Err(ConfigError::Invalid {
            var: "AUTHORIZER_DEADLINE_MS",
            reason: format!(
                "{} ms is not below the function's timeout ({} s)",
                self.deadline.as_millis(),
                function_timeout.as_secs()
            ),
        })
    }
}

/// `AUTHORIZER_DEADLINE_MS`: whole milliseconds from [`MIN_DEADLINE`] to [`MAX_DEADLINE`].
fn parse_deadline(value: &str) -> Result<Duration, ConfigError> {
    let range = MIN_DEADLINE..=MAX_DEADLINE;
    value.parse::<u64>().ok().map(Duration::from_millis).filter(|budget| range.contains(budget)).ok_or_else(|| {
        ConfigError::Invalid {
            var: "AUTHORIZER_DEADLINE_MS",
            reason: format!(
                "expected whole milliseconds from {} to {} (API Gateway waits 10 s for an authorizer)",
                MIN_DEADLINE.as_millis(),
                MAX_DEADLINE.as_millis()
            ),
        }
    })
}

/// `ROUTE_SCOPES` and `ROUTE_GROUPS`. A scope rule under `TOKEN_USE=id` could never be
/// met (id tokens carry no scopes), so it stops start-up instead of denying every call.
fn parse_route_rules(
    lookup: &impl Fn(&str) -> Option<String>,
    token_use: AcceptedTokens,
) -> Result<RouteRules, ConfigError> {
    let scopes = optional(lookup, "ROUTE_SCOPES");
    let groups = optional(lookup, "ROUTE_GROUPS");
    let rules = RouteRules::parse(scopes.as_deref(), groups.as_deref())
        .map_err(|err| ConfigError::Invalid { var: err.var, reason: err.to_string() })?;
    if rules.has_scope_rules() && token_use == AcceptedTokens::Id {
        return Err(ConfigError::Invalid {
            var: "ROUTE_SCOPES",
            reason: "scopes are in access tokens only: set TOKEN_USE to access or any".into(),
        });
    }
    Ok(rules)
}

/// `AUTHORIZER_RESPONSE`, decided from the configuration alone: simple answers only
/// without route rules (see [`AuthorizerConfig::http_api_response`]).
fn answer_format(value: Option<&str>, has_route_rules: bool) -> Result<HttpApiResponseFormat, ConfigError> {
    match (value.map(parse_response_format).transpose()?, has_route_rules) {
        (None, false) => Ok(HttpApiResponseFormat::Simple),
        (None, true) => Ok(HttpApiResponseFormat::Iam),
        (Some(HttpApiResponseFormat::Simple), true) => Err(ConfigError::Invalid {
            var: "AUTHORIZER_RESPONSE",
            reason: "simple answers cannot name routes, so they cannot carry ROUTE_SCOPES or ROUTE_GROUPS: \
                     use iam (and turn simple responses off on the HTTP API's authorizer)"
                .into(),
        }),
        (Some(format), _) => Ok(format),
    }
}

fn parse_response_format(value: &str) -> Result<HttpApiResponseFormat, ConfigError> {
    if value.eq_ignore_ascii_case("simple") {
        Ok(HttpApiResponseFormat::Simple)
    } else if value.eq_ignore_ascii_case("iam") {
        Ok(HttpApiResponseFormat::Iam)
    } else {
        Err(ConfigError::Invalid { var: "AUTHORIZER_RESPONSE", reason: "expected simple or iam".into() })
    }
}

fn parse_ttl(value: &str) -> Result<u64, ConfigError> {
    parse_seconds(value, "VERIFIED_TOKEN_CACHE_TTL_SECONDS", MAX_VERIFIED_TOKEN_CACHE_TTL_SECONDS)
}

/// A whole number of seconds from 0 to `max`, else an error naming `var`.
fn parse_seconds(value: &str, var: &'static str, max: u64) -> Result<u64, ConfigError> {
    value.parse::<u64>().ok().filter(|seconds| *seconds <= max).ok_or_else(|| ConfigError::Invalid {
        var,
        reason: format!("expected a whole number of seconds from 0 to {max}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const BASE: &[(&str, &str)] = &[
        ("USER_POOL_ID", "us-east-1_AbCdEf123"),
        ("USER_POOL_CLIENT_IDS", "client-a,client-b"),
        ("IDENTITY_POOL_ID", "eu-west-1:1f0c1a2b-0000-4000-8000-000000000000"),
    ];

    fn config_with(extra: &[(&str, &str)]) -> Result<AuthorizerConfig, ConfigError> {
        let map: HashMap<String, String> =
            BASE.iter().chain(extra).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        AuthorizerConfig::from_lookup(move |name| map.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_optional_variables_are_unset() {
        let config = config_with(&[]).unwrap();
        assert!(!config.require_linked);
        assert!(config.trust_token_identity_id, "create mode: our own client cannot write the claim");
        assert_eq!(config.http_api_response, HttpApiResponseFormat::Simple);
        assert_eq!(config.verified_token_cache_ttl_secs, 300);
        assert_eq!(config.identity_cache_ttl_secs, 600);
        assert_eq!(config.identity_pool_id.region(), "eu-west-1");
        assert_eq!(config.verifier.client_ids, vec!["client-a", "client-b"]);
        assert_eq!(config.deadline, Duration::from_millis(3_000));
        assert_eq!(config.verifier.fetch_timeout, Duration::from_secs(2));
    }

    #[test]
    fn the_deadline_is_read_and_bounds_the_jwks_fetch() {
        let config = config_with(&[("AUTHORIZER_DEADLINE_MS", "1500")]).unwrap();
        assert_eq!(config.deadline, Duration::from_millis(1_500));
        assert_eq!(config.verifier.fetch_timeout, Duration::from_millis(1_000));
        assert!(config.check_function_timeout(Duration::from_secs(2)).is_ok());
        let err = config_with(&[("AUTHORIZER_DEADLINE_MS", "6000")])
            .unwrap()
            .check_function_timeout(Duration::from_secs(6))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error: AUTHORIZER_DEADLINE_MS is invalid: 6000 ms is not below the function's timeout (6 s)"
        );
    }

    #[test]
    fn optional_variables_are_read() {
        let config = config_with(&[
            ("REQUIRE_LINKED", "TRUE"),
            ("TRUST_TOKEN_IDENTITY_ID", "false"),
            ("AUTHORIZER_RESPONSE", "iam"),
            ("VERIFIED_TOKEN_CACHE_TTL_SECONDS", "0"),
            ("IDENTITY_CACHE_TTL_SECONDS", "60"),
        ])
        .unwrap();
        assert_eq!(config.identity_cache_ttl_secs, 60);
        assert!(config.require_linked);
        assert!(!config.trust_token_identity_id);
        assert_eq!(config.http_api_response, HttpApiResponseFormat::Iam);
        assert_eq!(config.verified_token_cache_ttl_secs, 0);
    }

    #[test]
    fn every_bad_value_names_its_variable() {
        for (var, value) in [
            ("REQUIRE_LINKED", "yes"),
            ("TRUST_TOKEN_IDENTITY_ID", "no"),
            ("TRUST_TOKEN_IDENTITY_ID", "0"),
            ("AUTHORIZER_RESPONSE", "policy"),
            ("VERIFIED_TOKEN_CACHE_TTL_SECONDS", "-1"),
            ("VERIFIED_TOKEN_CACHE_TTL_SECONDS", "5m"),
            ("VERIFIED_TOKEN_CACHE_TTL_SECONDS", "86401"),
            ("IDENTITY_CACHE_TTL_SECONDS", "-5"),
            ("IDENTITY_CACHE_TTL_SECONDS", "10m"),
            ("IDENTITY_CACHE_TTL_SECONDS", "86401"),
            ("AUTHORIZER_DEADLINE_MS", "99"),
            ("AUTHORIZER_DEADLINE_MS", "10000"),
            ("AUTHORIZER_DEADLINE_MS", "3s"),
            ("AUTHORIZER_DEADLINE_MS", "-1"),
            ("IDENTITY_POOL_ID", "us-east-1"),
            ("IDENTITY_POOL_ID", "us-east-1:short"),
            ("IDENTITY_POOL_ID", "US EAST:1f0c1a2b-0000"),
        ] {
            let err = config_with(&[(var, value)]).unwrap_err();
            assert!(err.to_string().starts_with(&format!("configuration error: {var} is invalid")), "{err}");
        }
    }

    #[test]
    fn route_rules_are_read_and_a_malformed_one_is_named() {
        let config = config_with(&[
            ("TOKEN_USE", "any"),
            ("ROUTE_SCOPES", "GET /orders=orders/read"),
            ("ROUTE_GROUPS", "DELETE /orders/{id}=admins"),
        ])
        .unwrap();
        assert_eq!(config.route_rules.len(), 2);
        assert!(config_with(&[]).unwrap().route_rules.is_empty());
        let err = config_with(&[("ROUTE_GROUPS", "DELETE /orders/{id}=admins; PUT orders=x")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration error: ROUTE_GROUPS is invalid: rule \"PUT orders=x\": the path must start with /"
        );
        let err = config_with(&[("TOKEN_USE", "access"), ("ROUTE_SCOPES", "GET /a=s; POST /a")]).unwrap_err();
        assert!(err.to_string().starts_with("configuration error: ROUTE_SCOPES is invalid: rule \"POST /a\""), "{err}");
    }

    #[test]
    fn route_rules_take_iam_answers_decided_from_the_configuration() {
        let groups = ("ROUTE_GROUPS", "GET /orders=admins");
        assert_eq!(config_with(&[groups]).unwrap().http_api_response, HttpApiResponseFormat::Iam);
        assert_eq!(
            config_with(&[groups, ("AUTHORIZER_RESPONSE", "iam")]).unwrap().http_api_response,
            HttpApiResponseFormat::Iam
        );
        let err = config_with(&[groups, ("AUTHORIZER_RESPONSE", "simple")]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("configuration error: AUTHORIZER_RESPONSE is invalid: simple answers cannot name routes"),
            "{err}"
        );
        assert_eq!(
            config_with(&[("AUTHORIZER_RESPONSE", "simple")]).unwrap().http_api_response,
            HttpApiResponseFormat::Simple
        );
    }

    #[test]
    fn scope_rules_need_access_tokens() {
        let err = config_with(&[("ROUTE_SCOPES", "GET /orders=orders/read")]).unwrap_err();
        assert!(err.to_string().contains("set TOKEN_USE to access or any"), "{err}");
        assert!(config_with(&[("ROUTE_GROUPS", "GET /orders=admins")]).is_ok(), "groups are in id tokens too");
    }

    #[test]
    fn the_directory_table_is_read_when_set() {
        assert_eq!(config_with(&[("DIRECTORY_TABLE", "links")]).unwrap().directory_table.as_deref(), Some("links"));
        assert_eq!(config_with(&[("DIRECTORY_TABLE", " ")]).unwrap().directory_table, None);
        assert_eq!(config_with(&[]).unwrap().directory_table, None);
    }

    #[test]
    fn required_variables_are_required() {
        let err = AuthorizerConfig::from_lookup(|name| match name {
            "USER_POOL_ID" => Some("us-east-1_AbC".into()),
            "USER_POOL_CLIENT_IDS" => Some("c".into()),
            _ => None,
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "configuration error: IDENTITY_POOL_ID is not set");
        let err = AuthorizerConfig::from_lookup(|_| None).unwrap_err();
        assert_eq!(err.to_string(), "configuration error: USER_POOL_ID is not set");
    }
}
