//! The answers API Gateway accepts, as one small typed value serialized straight into
//! the runtime's response body.
//!
//! The JSON shapes are those of `aws_lambda_events`' `ApiGatewayCustomAuthorizerResponse`,
//! `ApiGatewayV2CustomAuthorizerIamPolicyResponse` and
//! `ApiGatewayV2CustomAuthorizerSimpleResponse` (the tests parse every answer back into
//! them). They are not built through those types, nor through a `serde_json::Value`:
//! the answer is on the hot path of every API call, and a repeat caller's answer is
//! then a few reference-counted pointers and one string (the policy resource), written
//! once by the runtime with no intermediate JSON tree.

use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::caller::{Grant, VerifiedCaller};
use crate::config::HttpApiResponseFormat;
use crate::decision::Verdict;
use crate::error::AuthorizerError;
use crate::event::EventFlavour;
use crate::resource_arn::stage_wide_resource;
use crate::route_rules::{RouteDenial, RouteRules};

/// The IAM policy language version API Gateway expects.
const POLICY_VERSION: &str = "2012-10-17";
/// The only action an authorizer policy grants or denies.
const INVOKE_ACTION: &str = "execute-api:Invoke";

/// The form of the answer one event takes.
///
/// With route rules, a policy answer allows the stage and denies each ruled route the
/// token may not use, so it stays right on every route API Gateway's cache reuses it
/// for. A simple answer cannot name routes, and whether API Gateway caches it per route
/// (`$context.routeKey` among the identity sources) is not something a request can
/// prove: the identity-source values it carries are request values, which a caller can
/// set. So the configuration never pairs route rules with simple answers (see
/// `AUTHORIZER_RESPONSE` in [`crate::config`]); a simple answer still refuses a caller
/// whose called route is ruled against them, as a second line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerForm {
    /// An IAM policy over `resource` (REST APIs, HTTP API 1.0, HTTP API 2.0 with `iam`).
    IamPolicy {
        /// The ARN the policy covers: the whole stage.
        resource: String,
    },
    /// `{"isAuthorized": …}` (HTTP API 2.0 with `simple`).
    Simple,
}

impl AnswerForm {
    /// The form API Gateway accepts from `flavour`: simple answers exist only for HTTP
    /// API payload 2.0, and only when configured; every other answer is a policy over the
    /// whole stage of `resource_arn`. An event without a usable ARN where a policy needs
    /// one cannot be answered (the message says why).
    pub fn for_event(
        flavour: EventFlavour,
        format: HttpApiResponseFormat,
        resource_arn: Option<&str>,
    ) -> Result<Self, &'static str> {
        match (flavour, format) {
            (EventFlavour::HttpApiV2, HttpApiResponseFormat::Simple) => Ok(AnswerForm::Simple),
            _ => resource_arn
                .and_then(stage_wide_resource)
                .map(|resource| AnswerForm::IamPolicy { resource })
                .ok_or("the event has no execute-api methodArn or routeArn"),
        }
    }

    /// The one mapping from an outcome to what the function returns.
    ///
    /// An unauthenticated caller is the `Unauthorized` error for policy answers (API
    /// Gateway's 401) and `{"isAuthorized": false}` for simple ones (HTTP APIs then
    /// answer 403, their only refusal). Failures on our side stay errors (500) in both.
    /// An allowed caller's policy denies each route of `rules` the token does not meet;
    /// a simple answer refuses when the called route is one (`route_denial`).
    pub fn render(
        self,
        outcome: Result<Verdict, AuthorizerError>,
        identity_pool_id: &Arc<str>,
        rules: &Arc<RouteRules>,
        route_denial: Option<RouteDenial>,
    ) -> Result<AuthorizerResponse, AuthorizerError> {
        let context = |grant| CallerContext { grant, identity_pool_id: identity_pool_id.clone() };
        match (self, outcome) {
            (AnswerForm::IamPolicy { resource }, Ok(Verdict::Allow(grant))) => {
                let denied_routes = (!grant.caller.unmet_routes.is_empty() && resource.ends_with(STAGE_WIDE_SUFFIX))
                    .then(|| DeniedRoutes { rules: rules.clone(), caller: grant.caller.clone() });
                Ok(AuthorizerResponse(Answer::Policy {
                    principal_id: PrincipalId::Caller(grant.caller.clone()),
                    effect: Effect::Allow,
                    resource,
                    denied_routes,
                    context: Some(context(grant)),
                }))
            }
            (AnswerForm::IamPolicy { resource }, Ok(Verdict::Deny { sub, .. })) => {
                Ok(AuthorizerResponse(Answer::Policy {
                    principal_id: PrincipalId::Sub(sub),
                    effect: Effect::Deny,
                    resource,
                    denied_routes: None,
                    context: None,
                }))
            }
            (AnswerForm::Simple, Ok(Verdict::Allow(grant))) if route_denial.is_none() => {
                Ok(AuthorizerResponse(Answer::Simple { is_authorized: true, context: Some(context(grant)) }))
            }
            (
                AnswerForm::Simple,
                Ok(Verdict::Allow(_) | Verdict::Deny { .. }) | Err(AuthorizerError::Unauthorized(_)),
            ) => Ok(AuthorizerResponse(Answer::Simple { is_authorized: false, context: None })),
            (_, Err(err)) => Err(err),
        }
    }
}

/// What the function returns to API Gateway. Serializes to the exact JSON the flavour
/// expects; [`AuthorizerResponse::to_value`] gives that JSON as a value (tests, tools).
///
/// Opaque: its JSON is its whole contract, and only a verdict makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerResponse(Answer);

/// The two shapes of an [`AuthorizerResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// `{"principalId", "policyDocument": {statements}, "context"?}`.
    Policy {
        /// The caller's `sub`.
        principal_id: PrincipalId,
        /// Allow or Deny.
        effect: Effect,
        /// The ARN the statement covers.
        resource: String,
        /// One more statement each, denying the route ARNs a route rule closes to an
        /// allowed caller (`None` without rules, or when it meets them all).
        denied_routes: Option<DeniedRoutes>,
        /// The caller, on an Allow.
        context: Option<CallerContext>,
    },
    /// `{"isAuthorized", "context"?}` (HTTP API payload 2.0).
    Simple {
        /// The verdict.
        is_authorized: bool,
        /// The caller, when authorized.
        context: Option<CallerContext>,
    },
}

impl AuthorizerResponse {
    /// The response as the JSON API Gateway receives.
    pub fn to_value(&self) -> Value {
        // Every key is a string and every value a string or a bool: this cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A policy statement's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// API Gateway forwards the request.
    Allow,
    /// API Gateway answers 403.
    Deny,
}

impl Effect {
    fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// The policy's `principalId`, the caller's `sub`, without copying it on an Allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalId {
    /// The `sub` of a verified caller.
    Caller(Arc<VerifiedCaller>),
    /// A `sub` on its own (denied callers).
    Sub(String),
}

impl PrincipalId {
    /// The `sub`.
    pub fn as_str(&self) -> &str {
        match self {
            PrincipalId::Caller(caller) => &caller.sub,
            PrincipalId::Sub(sub) => sub,
        }
    }
}

/// The context downstream Lambdas read. API Gateway accepts only flat string, number
/// and boolean values; all are strings here so every flavour reads the same.
///
/// The keys are those of [`crate::context`]: both ids when known, the token's kind,
/// pool and scopes, and what else the token says about the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerContext {
    /// The authorized caller and their IdentityId.
    pub grant: Grant,
    /// The identity pool the IdentityId belongs to.
    pub identity_pool_id: Arc<str>,
}

impl Serialize for CallerContext {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let caller = &self.grant.caller;
        match &caller.linked_context {
            // Written when the token was verified, from the same values: the IdentityId
            // is the token's own, and there is one identity pool per authorizer.
            Some(written)
                if self.grant.linked
                    && caller.linked_identity_id.is_some()
                    && caller.linked_identity_id == self.grant.identity_id =>
            {
                written.serialize(serializer)
            }
            // Written when the token was first seen, for the IdentityId found then: copied
            // while the caller still has that IdentityId.
            _ if let Some(resolved) = caller.resolved_context.get()
                && resolved.identity_id == self.grant.identity_id
                && resolved.linked == self.grant.linked =>
            {
                resolved.context.serialize(serializer)
            }
            _ => caller
                .context_fields(self.grant.identity_id.as_deref(), &self.identity_pool_id, self.grant.linked)
                .serialize(serializer),
        }
    }
}

impl Serialize for AuthorizerResponse {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match &self.0 {
            Answer::Policy { principal_id, effect, resource, denied_routes, context } => {
                map.serialize_entry("principalId", principal_id.as_str())?;
                let document = PolicyDocument {
                    version: POLICY_VERSION,
                    statement: Statements { effect: *effect, resource, denied_routes: denied_routes.as_ref() },
                };
                map.serialize_entry("policyDocument", &document)?;
                if let Some(context) = context {
                    map.serialize_entry("context", context)?;
                }
            }
            Answer::Simple { is_authorized, context } => {
                map.serialize_entry("isAuthorized", is_authorized)?;
                if let Some(context) = context {
                    map.serialize_entry("context", context)?;
                }
            }
        }
        map.end()
    }
}

/// An IAM policy document, borrowed from the response.
#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyDocument<'a> {
    version: &'static str,
    statement: Statements<'a>,
}

/// What ends a stage-wide resource (see [`stage_wide_resource`]).
const STAGE_WIDE_SUFFIX: &str = "/*/*";

/// The routes a rule closes to an allowed caller: the rules, and the caller whose unmet
/// routes they are. Held by reference count and written out only when the answer is
/// serialized, so an answer with Deny statements allocates no ARN of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DeniedRoutes {
    rules: Arc<RouteRules>,
    caller: Arc<VerifiedCaller>,
}

/// The statement over the stage, then one Deny per closed route.
struct Statements<'a> {
    effect: Effect,
    resource: &'a str,
    denied_routes: Option<&'a DeniedRoutes>,
}

impl Serialize for Statements<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(None)?;
        seq.serialize_element(&Statement {
            action: INVOKE_ACTION,
            effect: self.effect.as_str(),
            resource: self.resource,
        })?;
        if let Some(denied) = self.denied_routes
            && let Some(stage_arn) = self.resource.strip_suffix(STAGE_WIDE_SUFFIX)
        {
            for route_suffix in denied.rules.deny_suffixes(&denied.caller.unmet_routes) {
                let resource = RouteArn { stage_arn, route_suffix };
                seq.serialize_element(&Statement { action: INVOKE_ACTION, effect: Effect::Deny.as_str(), resource })?;
            }
        }
        seq.end()
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Statement<R> {
    action: &'static str,
    effect: &'static str,
    resource: R,
}

/// A route's ARN, `<stage ARN>/<route suffix>`, written straight into the answer.
struct RouteArn<'a> {
    stage_arn: &'a str,
    route_suffix: &'a str,
}

impl std::fmt::Display for RouteArn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.stage_arn, self.route_suffix)
    }
}

impl Serialize for RouteArn<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use aws_lambda_events::apigw::{
        ApiGatewayCustomAuthorizerResponse, ApiGatewayV2CustomAuthorizerIamPolicyResponse,
        ApiGatewayV2CustomAuthorizerSimpleResponse,
    };
    use aws_lambda_events::iam::IamPolicyEffect;
    use serde_json::json;

    use super::*;
    use crate::context::PrerenderedContext;
    use crate::decision::DenyReason;
    use crate::error::RejectReason;

    const POOL: &str = "us-east-1:1f0c1a2b-0000-4000-8000-000000000000";
    const RESOURCE: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/*/*";

    fn pool() -> Arc<str> {
        Arc::from(POOL)
    }

    fn grant(email: Option<&str>, groups: Option<&str>, linked: bool) -> Grant {
        Grant {
            caller: Arc::new(VerifiedCaller {
                sub: "sub-1".into(),
                user_pool_id: lambda_foundation::UserPoolId::parse("us-east-1_Pool").unwrap(),
                token_use: token_verifier::TokenUse::Id,
                scopes: None,
                username: Some("alice".into()),
                email: email.map(Into::into),
                groups: groups.map(Into::into),
                client_id: "client-a".into(),
                linked_identity_id: None,
                expires_at: 0,
                linked_context: None,
                unmet_routes: Default::default(),
                resolved_context: Default::default(),
            }),
            identity_id: Some(Arc::from("us-east-1:id-1")),
            linked,
        }
    }

    fn iam_answer() -> AnswerForm {
        AnswerForm::IamPolicy { resource: RESOURCE.into() }
    }

    fn context_json(grant: Grant) -> Value {
        serde_json::to_value(CallerContext { grant, identity_pool_id: pool() }).unwrap()
    }

    #[test]
    fn context_has_every_field_as_a_string() {
        assert_eq!(
            context_json(grant(Some("a@example.com"), Some(r#"["admins","readers"]"#), true)),
            json!({
                "sub": "sub-1", "username": "alice", "identityId": "us-east-1:id-1", "identityPoolId": POOL,
                "linked": "true", "clientId": "client-a", "email": "a@example.com", "groups": r#"["admins","readers"]"#,
                "tokenUse": "id", "userPoolId": "us-east-1_Pool",
            })
        );
    }

    /// A linked caller whose context was written when the token was verified.
    fn linked_caller() -> Arc<VerifiedCaller> {
        let mut caller = (*grant(Some("a\"@example.com"), Some(r#"["admins"]"#), true).caller).clone();
        caller.linked_identity_id = Some(Arc::from("us-east-1:id-1"));
        caller.linked_context = PrerenderedContext::of(&caller.context_fields(Some("us-east-1:id-1"), POOL, true));
        Arc::new(caller)
    }

    #[test]
    fn a_linked_callers_answer_copies_the_context_written_at_verification() {
        // A marker in the written context proves which branch wrote the answer.
        let mut caller = (*linked_caller()).clone();
        let mut marked = caller.context_fields(Some("us-east-1:id-1"), POOL, true);
        marked.client_id = "written-once";
        caller.linked_context = PrerenderedContext::of(&marked);
        let grant = Grant { caller: Arc::new(caller), identity_id: Some(Arc::from("us-east-1:id-1")), linked: true };
        assert_eq!(context_json(grant)["clientId"], json!("written-once"));
    }

    #[test]
    fn a_resolved_callers_answer_copies_the_context_written_for_its_identity_id() {
        let caller = grant(None, None, true).caller;
        let identity: Arc<str> = Arc::from("us-east-1:id-1");
        let written = caller.with_resolved_context(Some(&identity), POOL, true).unwrap();
        let field_by_field =
            context_json(Grant { caller: caller.clone(), identity_id: Some(identity.clone()), linked: true });
        let copied = Grant { caller: Arc::new(written.clone()), identity_id: Some(identity.clone()), linked: true };
        assert_eq!(context_json(copied), field_by_field, "the written context is the same context");
        // A marker proves which branch wrote the answer.
        let mut marked = written.clone();
        let mut fields = marked.context_fields(Some("us-east-1:id-1"), POOL, true);
        fields.client_id = "written-once";
        marked.resolved_context.get_mut().unwrap().context = PrerenderedContext::of(&fields).unwrap();
        let marked = Arc::new(marked);
        let grant_for = |identity_id: Option<&str>, linked| Grant {
            caller: marked.clone(),
            identity_id: identity_id.map(Arc::from),
            linked,
        };
        assert_eq!(context_json(grant_for(Some("us-east-1:id-1"), true))["clientId"], json!("written-once"));
        // Another IdentityId, or another `linked`, is written field by field.
        assert_eq!(context_json(grant_for(Some("us-east-1:other"), true))["clientId"], json!("client-a"));
        assert_eq!(context_json(grant_for(Some("us-east-1:id-1"), false))["clientId"], json!("client-a"));
        assert_eq!(context_json(grant_for(None, true))["clientId"], json!("client-a"));
        // A linked caller's context was written at verification: nothing more to write.
        assert!(linked_caller().with_resolved_context(Some(&identity), POOL, true).is_none());
    }

    #[test]
    fn the_written_context_is_what_writing_field_by_field_gives() {
        let caller = linked_caller();
        let grant = Grant { caller: caller.clone(), identity_id: Some(Arc::from("us-east-1:id-1")), linked: true };
        let written = serde_json::to_string(&CallerContext { grant, identity_pool_id: pool() }).unwrap();
        assert_eq!(written, caller.linked_context.as_ref().unwrap().json(), "the written branch ran");
        assert_eq!(
            serde_json::from_str::<Value>(&written).unwrap(),
            json!({
                "sub": "sub-1", "username": "alice", "identityId": "us-east-1:id-1", "identityPoolId": POOL,
                "linked": "true", "clientId": "client-a", "email": "a\"@example.com", "groups": r#"["admins"]"#,
                "tokenUse": "id", "userPoolId": "us-east-1_Pool",
            })
        );
        // Any other IdentityId is written field by field.
        let resolved = Grant { caller, identity_id: Some(Arc::from("us-east-1:other")), linked: false };
        let context = context_json(resolved);
        assert_eq!(
            (context["identityId"].as_str(), context["linked"].as_str()),
            (Some("us-east-1:other"), Some("false"))
        );
    }

    #[test]
    fn context_leaves_out_what_the_token_lacks() {
        let context = context_json(grant(None, None, false));
        assert_eq!(context["linked"], json!("false"));
        assert!(context.get("email").is_none() && context.get("groups").is_none());
        assert!(context.as_object().unwrap().values().all(Value::is_string));
    }

    #[test]
    fn rest_allow_is_a_stage_wide_policy_api_gateway_can_read() {
        let answer =
            iam_answer().render(Ok(Verdict::Allow(grant(None, None, true))), &pool(), &Arc::default(), None).unwrap();
        let value = answer.to_value();
        assert_eq!(
            value,
            json!({
                "principalId": "sub-1",
                "policyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": RESOURCE}],
                },
                "context": context_json(grant(None, None, true)),
            })
        );
        let parsed: ApiGatewayCustomAuthorizerResponse = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(parsed.principal_id.as_deref(), Some("sub-1"));
        assert_eq!(parsed.policy_document.version.as_deref(), Some("2012-10-17"));
        let statement = &parsed.policy_document.statement[0];
        assert_eq!(statement.effect, IamPolicyEffect::Allow);
        assert_eq!(statement.action, vec!["execute-api:Invoke"]);
        assert_eq!(statement.resource, vec![RESOURCE]);
        assert_eq!(parsed.context["identityId"], "us-east-1:id-1");
        let parsed: ApiGatewayV2CustomAuthorizerIamPolicyResponse = serde_json::from_value(value).unwrap();
        assert_eq!(parsed.principal_id.as_deref(), Some("sub-1"));
    }

    #[test]
    fn the_runtime_writes_the_answer_api_gateway_reads() {
        for (caller, linked) in [(linked_caller(), true), (grant(Some("a@b.c"), None, false).caller, false)] {
            let grant = Grant { caller, identity_id: Some(Arc::from("us-east-1:id-1")), linked };
            let answer = iam_answer().render(Ok(Verdict::Allow(grant)), &pool(), &Arc::default(), None).unwrap();
            // What `lambda_runtime` sends: `serde_json::to_vec` of the handler's answer.
            let bytes = serde_json::to_vec(&answer).unwrap();
            let parsed: ApiGatewayCustomAuthorizerResponse = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(parsed.principal_id.as_deref(), Some("sub-1"));
            assert_eq!(parsed.context["identityId"], "us-east-1:id-1");
            assert_eq!(parsed.context["linked"], if linked { "true" } else { "false" });
            assert_eq!(parsed.policy_document.statement[0].resource, vec![RESOURCE]);
        }
    }

    #[test]
    fn simple_answers_only_for_http_api_v2_when_configured() {
        use EventFlavour::*;
        let arn = Some("arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/whoami");
        assert_eq!(AnswerForm::for_event(HttpApiV2, HttpApiResponseFormat::Simple, None), Ok(AnswerForm::Simple));
        assert_eq!(AnswerForm::for_event(HttpApiV2, HttpApiResponseFormat::Iam, arn), Ok(iam_answer()));
        for flavour in [RestToken, RestRequest, HttpApiV1] {
            for format in [HttpApiResponseFormat::Simple, HttpApiResponseFormat::Iam] {
                assert_eq!(AnswerForm::for_event(flavour, format, arn), Ok(iam_answer()));
                assert!(AnswerForm::for_event(flavour, format, None).is_err(), "a policy needs an ARN");
                assert!(AnswerForm::for_event(flavour, format, Some("arn:aws:s3:::bucket")).is_err());
            }
        }
    }

    #[test]
    fn rest_deny_is_an_explicit_deny_policy() {
        let verdict = Verdict::Deny { sub: "sub-1".into(), reason: DenyReason::NotLinked };
        let value = iam_answer().render(Ok(verdict), &pool(), &Arc::default(), None).unwrap().to_value();
        assert!(value.get("context").is_none());
        let parsed: ApiGatewayCustomAuthorizerResponse = serde_json::from_value(value).unwrap();
        assert_eq!(parsed.principal_id.as_deref(), Some("sub-1"));
        assert_eq!(parsed.policy_document.statement[0].effect, IamPolicyEffect::Deny);
        assert_eq!(parsed.policy_document.statement[0].resource, vec![RESOURCE]);
    }

    #[test]
    fn simple_answers() {
        let value = AnswerForm::Simple
            .render(Ok(Verdict::Allow(grant(None, None, false))), &pool(), &Arc::default(), None)
            .unwrap()
            .to_value();
        let parsed: ApiGatewayV2CustomAuthorizerSimpleResponse = serde_json::from_value(value).unwrap();
        assert!(parsed.is_authorized);
        assert_eq!(parsed.context["sub"], "sub-1");
        let denied = Verdict::Deny { sub: "sub-1".into(), reason: DenyReason::NotLinked };
        assert_eq!(
            AnswerForm::Simple.render(Ok(denied), &pool(), &Arc::default(), None).unwrap().to_value(),
            json!({"isAuthorized": false})
        );
        let unauthorized = Err(AuthorizerError::Unauthorized(RejectReason::MissingToken));
        assert_eq!(
            AnswerForm::Simple.render(unauthorized, &pool(), &Arc::default(), None).unwrap().to_value(),
            json!({"isAuthorized": false})
        );
    }

    fn rules() -> RouteRules {
        RouteRules::parse(
            Some("GET /orders=orders/read; POST /orders=orders/write"),
            Some("DELETE /orders/{id}=admins"),
        )
        .unwrap()
    }

    /// An access token with `scopes` and `groups`, its unmet routes found against [`rules`].
    fn ruled_grant(scopes: &[&str], groups: &[&str]) -> Grant {
        let mut caller = (*grant(None, None, false).caller).clone();
        caller.token_use = token_verifier::TokenUse::Access;
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let groups: Vec<String> = groups.iter().map(|s| s.to_string()).collect();
        let grants = crate::route_rules::TokenGrants { token_use: caller.token_use, scopes: &scopes, groups: &groups };
        caller.unmet_routes = rules().unmet_by(grants);
        Grant { caller: Arc::new(caller), identity_id: Some(Arc::from("us-east-1:id-1")), linked: true }
    }

    #[test]
    fn an_allow_denies_each_ruled_route_the_token_may_not_use() {
        let answer = iam_answer().render(
            Ok(Verdict::Allow(ruled_grant(&["orders/read"], &[]))),
            &pool(),
            &Arc::new(rules()),
            None,
        );
        let value = answer.unwrap().to_value();
        let stage = RESOURCE.strip_suffix("/*/*").unwrap();
        assert_eq!(
            value["policyDocument"]["Statement"],
            json!([
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": RESOURCE},
                {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": format!("{stage}/POST/orders")},
                {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": format!("{stage}/DELETE/orders/*")},
            ])
        );
        // API Gateway's own types read every statement.
        let parsed: ApiGatewayCustomAuthorizerResponse = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(parsed.policy_document.statement.len(), 3);
        assert_eq!(parsed.policy_document.statement[2].effect, IamPolicyEffect::Deny);
        let parsed: ApiGatewayV2CustomAuthorizerIamPolicyResponse = serde_json::from_value(value).unwrap();
        assert_eq!(parsed.policy_document.statement.len(), 3);
        // A token meeting every rule gets the single Allow.
        let all = ruled_grant(&["orders/read", "orders/write"], &["admins"]);
        let value = iam_answer().render(Ok(Verdict::Allow(all)), &pool(), &Arc::new(rules()), None).unwrap().to_value();
        assert_eq!(value["policyDocument"]["Statement"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_whole_stage_deny_needs_no_route_statements() {
        let verdict = Verdict::Deny { sub: "sub-1".into(), reason: DenyReason::NotLinked };
        let value = iam_answer().render(Ok(verdict), &pool(), &Arc::new(rules()), None).unwrap().to_value();
        assert_eq!(value["policyDocument"]["Statement"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_simple_answer_refuses_a_closed_route_and_allows_an_open_one() {
        let grant = ruled_grant(&["orders/read"], &[]);
        let closed = Some(RouteDenial::MissingScope);
        let value = AnswerForm::Simple.render(Ok(Verdict::Allow(grant.clone())), &pool(), &Arc::new(rules()), closed);
        assert_eq!(value.unwrap().to_value(), json!({"isAuthorized": false}));
        let value =
            AnswerForm::Simple.render(Ok(Verdict::Allow(grant)), &pool(), &Arc::new(rules()), None).unwrap().to_value();
        assert_eq!(value["isAuthorized"], json!(true));
    }

    #[test]
    fn errors_stay_errors_where_api_gateway_needs_them() {
        let unauthorized = AuthorizerError::Unauthorized(RejectReason::MissingToken);
        assert_eq!(iam_answer().render(Err(unauthorized.clone()), &pool(), &Arc::default(), None), Err(unauthorized));
        for answer in [iam_answer(), AnswerForm::Simple] {
            assert_eq!(
                answer.render(Err(AuthorizerError::IdentityThrottled), &pool(), &Arc::default(), None),
                Err(AuthorizerError::IdentityThrottled)
            );
        }
    }
}
