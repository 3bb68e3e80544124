//! Reading a [`CallerIdentity`] out of each request context shape.

use std::collections::HashMap;

use aws_lambda_events::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyRequestContext, ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext,
};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::Value;

use crate::context_keys as key;
use crate::error::CallerIdentityError;
use crate::iam_provider::{parse_authentication_provider, user_pool_login_from_amr};
use crate::identity::{CallerIdentity, IdentitySource, TokenUse};
use crate::issuer::user_pool_id_from_issuer;

/// `caller_identity()` on any request a downstream Lambda receives: the axum-extractor
/// idea in one method.
pub trait RequestCallerExt {
    /// The caller, or why the request does not say who it is.
    fn caller_identity(&self) -> Result<CallerIdentity, CallerIdentityError>;
}

impl RequestCallerExt for Request {
    fn caller_identity(&self) -> Result<CallerIdentity, CallerIdentityError> {
        match self.request_context_ref() {
            Some(RequestContext::ApiGatewayV1(ctx)) => from_rest_context(ctx),
            Some(RequestContext::ApiGatewayV2(ctx)) => from_http_api_context(ctx),
            _ => Err(CallerIdentityError::NoIdentity),
        }
    }
}

impl RequestCallerExt for ApiGatewayProxyRequest {
    fn caller_identity(&self) -> Result<CallerIdentity, CallerIdentityError> {
        from_rest_context(&self.request_context)
    }
}

impl RequestCallerExt for ApiGatewayV2httpRequest {
    fn caller_identity(&self) -> Result<CallerIdentity, CallerIdentityError> {
        from_http_api_context(&self.request_context)
    }
}

/// REST API (payload 1.0): our authorizer's keys or Cognito authorizer `claims` under
/// `requestContext.authorizer`, or IAM auth under `requestContext.identity`.
///
/// IAM auth signed by an IAM user or role (a `userArn` but no Cognito identity) is a
/// caller, but no user pool user: [`CallerIdentityError::NotAUserPoolLogin`] (403), as
/// the HTTP API's `authorizer.iam` without `cognitoIdentity` reads.
pub fn from_rest_context(ctx: &ApiGatewayProxyRequestContext) -> Result<CallerIdentity, CallerIdentityError> {
    let fields = &ctx.authorizer.fields;
    if let Some(claims) = fields.get("claims") {
        let claims = claims.as_object().ok_or(CallerIdentityError::Malformed("authorizer.claims"))?;
        let claims: HashMap<&str, String> = claims.iter().map(|(k, v)| (k.as_str(), value_text(v))).collect();
        return from_claims(&claims, None, IdentitySource::CognitoUserPoolAuthorizer);
    }
    if fields.contains_key(key::SUB) {
        return from_authorizer_context(fields);
    }
    if let Some(identity_id) = ctx.identity.cognito_identity_id.as_deref().filter(|id| !id.is_empty()) {
        let login = ctx
            .identity
            .cognito_authentication_provider
            .as_deref()
            .and_then(parse_authentication_provider)
            .ok_or(CallerIdentityError::NotAUserPoolLogin)?;
        return Ok(iam_identity(login.sub, identity_id, ctx.identity.cognito_identity_pool_id.clone()));
    }
    if ctx.identity.user_arn.as_deref().is_some_and(|arn| !arn.is_empty()) {
        return Err(CallerIdentityError::NotAUserPoolLogin);
    }
    Err(CallerIdentityError::NoIdentity)
}

/// HTTP API (payload 2.0): `authorizer.lambda`, `authorizer.jwt` (`claims` and `scopes`) or
/// `authorizer.iam.cognitoIdentity`.
pub fn from_http_api_context(ctx: &ApiGatewayV2httpRequestContext) -> Result<CallerIdentity, CallerIdentityError> {
    let authorizer = ctx.authorizer.as_ref().ok_or(CallerIdentityError::NoIdentity)?;
    if let Some(jwt) = &authorizer.jwt {
        let claims: HashMap<&str, String> = jwt.claims.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        return from_claims(&claims, jwt.scopes.as_deref(), IdentitySource::JwtAuthorizer);
    }
    if authorizer.fields.contains_key(key::SUB) {
        return from_authorizer_context(&authorizer.fields);
    }
    if let Some(cognito) = authorizer.iam.as_ref().and_then(|iam| iam.cognito_identity.as_ref()) {
        let identity_id = cognito
            .identity_id
            .as_deref()
            .filter(|id| !id.is_empty())
            .ok_or(CallerIdentityError::Malformed("authorizer.iam.cognitoIdentity.identityId"))?;
        let login = user_pool_login_from_amr(&cognito.amr).ok_or(CallerIdentityError::NotAUserPoolLogin)?;
        return Ok(iam_identity(login.sub, identity_id, cognito.identity_pool_id.clone()));
    }
    if authorizer.iam.is_some() {
        return Err(CallerIdentityError::NotAUserPoolLogin);
    }
    Err(CallerIdentityError::NoIdentity)
}

fn iam_identity(sub: String, identity_id: &str, identity_pool_id: Option<String>) -> CallerIdentity {
    CallerIdentity {
        sub,
        username: None,
        identity_id: Some(identity_id.to_owned()),
        identity_pool_id: identity_pool_id.filter(|p| !p.is_empty()),
        // SigV4 credentials carry no token: no pool, groups, scopes, token use or client.
        user_pool_id: None,
        email: None,
        groups: Vec::new(),
        scopes: Vec::new(),
        token_use: None,
        client_id: None,
        linked: None,
        source: IdentitySource::Iam,
    }
}

/// The Cognito Bridge authorizer's context: every value a string.
fn from_authorizer_context(fields: &HashMap<String, Value>) -> Result<CallerIdentity, CallerIdentityError> {
    let text = |key: &str| fields.get(key).map(value_text).filter(|v| !v.is_empty());
    let sub = text(key::SUB).ok_or(CallerIdentityError::Malformed("authorizer sub"))?;
    let linked = match text(key::LINKED).as_deref() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    };
    let groups = authorizer_groups(fields.get(key::GROUPS))?;
    Ok(CallerIdentity {
        sub,
        username: text(key::USERNAME),
        identity_id: text(key::IDENTITY_ID),
        identity_pool_id: text(key::IDENTITY_POOL_ID),
        user_pool_id: text(key::USER_POOL_ID),
        email: text(key::EMAIL),
        groups,
        scopes: text(key::SCOPES).map(|s| split_scopes(&s)).unwrap_or_default(),
        token_use: text(key::TOKEN_USE).and_then(|t| TokenUse::parse(&t)),
        client_id: text(key::CLIENT_ID),
        linked,
        source: IdentitySource::LambdaAuthorizer,
    })
}

/// Our authorizer's `groups`: a JSON array of strings written as one string
/// (`["ops,admins","readers"]`), the one form no group name can split wrongly (a Cognito
/// group name may hold a comma). A list value (a hand-written test event) is read as the
/// same list. Anything else is malformed: reading it any other way could make a member
/// of `ops,admins` pass for a member of `admins`.
fn authorizer_groups(value: Option<&Value>) -> Result<Vec<String>, CallerIdentityError> {
    let malformed = CallerIdentityError::Malformed("authorizer groups");
    let strings =
        |items: &[Value]| items.iter().map(|item| item.as_str().map(str::to_owned).ok_or(malformed.clone())).collect();
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(Vec::new()),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => strings(&items),
            _ => Err(malformed),
        },
        Some(Value::Array(items)) => strings(items),
        Some(_) => Err(malformed),
    }
}

/// Claims of a user pool id or access token as API Gateway's own authorizers pass them
/// (strings), with the HTTP API JWT authorizer's `scopes` list when it sends one.
///
/// The `scope` claim, when present, is the token's own full list and wins over
/// `jwt.scopes`, which API Gateway leaves `null` on routes without authorization scopes.
///
/// The IdentityId is `custom:identity_id` (id tokens of a linked user), else the
/// `identity_id` claim that a Pre Token Generation trigger adds to both tokens (access
/// tokens carry no `custom:` attributes); either one makes the caller `linked`. The app
/// client is the `client_id` claim (access tokens), else `aud` (id tokens).
fn from_claims(
    claims: &HashMap<&str, String>,
    listed_scopes: Option<&[String]>,
    source: IdentitySource,
) -> Result<CallerIdentity, CallerIdentityError> {
    let text = |key: &str| claims.get(key).cloned().filter(|v| !v.is_empty());
    let sub = text("sub").ok_or(CallerIdentityError::Malformed("claims sub"))?;
    let identity_id = text("custom:identity_id").or_else(|| text("identity_id"));
    let scopes = match text("scope") {
        Some(scope) => split_scopes(&scope),
        None => listed_scopes.unwrap_or_default().iter().filter(|s| !s.is_empty()).cloned().collect(),
    };
    Ok(CallerIdentity {
        sub,
        username: text("cognito:username").or_else(|| text("username")),
        linked: Some(identity_id.is_some()),
        identity_id,
        identity_pool_id: None,
        user_pool_id: claims.get("iss").and_then(|iss| user_pool_id_from_issuer(iss)).map(str::to_owned),
        email: text("email"),
        groups: text("cognito:groups").map(|g| split_groups(&g)).unwrap_or_default(),
        scopes,
        token_use: text("token_use").and_then(|t| TokenUse::parse(&t)),
        client_id: text("client_id").or_else(|| text("aud")),
        source,
    })
}

/// A context or claim value as text. API Gateway passes strings, but a JSON array (a
/// hand-written or console test event's `cognito:groups`) becomes its items space-joined,
/// which [`split_groups`] and [`split_scopes`] read back as a list.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

/// Groups in API Gateway's own authorizers' claims arrive as `a,b` (REST claims), `a`
/// (one group), or `[a b]` (HTTP API JWT claims; REST claims too in some reports). Those
/// forms are AWS's, and a group name holding a comma is ambiguous in them; our own
/// authorizer writes a JSON array instead (see [`authorizer_groups`]).
fn split_groups(raw: &str) -> Vec<String> {
    raw.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([',', ' '])
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
}

/// OAuth scopes are space-separated (the `scope` claim, our authorizer's `scopes`); a
/// scope never holds whitespace.
fn split_scopes(raw: &str) -> Vec<String> {
    raw.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_in_every_encoding() {
        assert_eq!(split_groups("admins,readers"), vec!["admins", "readers"]);
        assert_eq!(split_groups("[admins readers]"), vec!["admins", "readers"]);
        assert_eq!(split_groups("[admins, readers]"), vec!["admins", "readers"]);
        assert_eq!(split_groups("admins"), vec!["admins"]);
        assert_eq!(split_groups("[admins]"), vec!["admins"]);
        assert_eq!(split_groups(" [] "), Vec::<String>::new());
        assert_eq!(split_groups(""), Vec::<String>::new());
    }

    #[test]
    fn our_authorizers_groups_are_a_json_array_and_nothing_else() {
        let read = |value: Value| authorizer_groups(Some(&value));
        assert_eq!(read(Value::String(r#"["ops,admins","x"]"#.into())).unwrap(), vec!["ops,admins", "x"]);
        assert_eq!(read(serde_json::json!(["ops,admins"])).unwrap(), vec!["ops,admins"]);
        assert_eq!(read(Value::String(String::new())).unwrap(), Vec::<String>::new());
        assert_eq!(read(Value::String("[]".into())).unwrap(), Vec::<String>::new());
        assert_eq!(authorizer_groups(None).unwrap(), Vec::<String>::new());
        for bad in [
            Value::String("ops,admins".into()),
            Value::String("[ops,admins]".into()),
            Value::String(r#"{"a":1}"#.into()),
            Value::String("[1]".into()),
            serde_json::json!([1]),
            serde_json::json!(true),
        ] {
            assert_eq!(read(bad.clone()), Err(CallerIdentityError::Malformed("authorizer groups")), "{bad}");
        }
    }

    #[test]
    fn scopes_are_space_separated() {
        assert_eq!(split_scopes("openid orders/write"), vec!["openid", "orders/write"]);
        assert_eq!(
            split_scopes("  aws.cognito.signin.user.admin\t openid "),
            vec!["aws.cognito.signin.user.admin", "openid"]
        );
        assert_eq!(split_scopes(""), Vec::<String>::new());
    }

    #[test]
    fn json_arrays_read_as_lists() {
        let groups = value_text(&serde_json::json!(["admins", "readers"]));
        assert_eq!(split_groups(&groups), vec!["admins", "readers"]);
        let scopes = value_text(&serde_json::json!(["openid", "orders/write"]));
        assert_eq!(split_scopes(&scopes), vec!["openid", "orders/write"]);
        assert_eq!(value_text(&serde_json::json!(true)), "true");
        assert_eq!(value_text(&Value::Null), "");
    }
}
