//! `whoami`: a call to a protected route, showing what a downstream Lambda sees
//! of the caller (both ids, the token's use, scopes, groups and user pool): with
//! the id token or `--access-token` on the route `--route` picks (Lambda
//! authorizer), or with `--iam` signed with SigV4 under the identity pool
//! credentials (IAM auth).

use std::time::SystemTime;

use hyper::body::Bytes;
use serde_json::Value;

use crate::api_client::{ApiAnswer, build_request, send, sign_for_execute_api};
use crate::cli_args::WhoamiArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::identity_credentials::identity_credentials;
use crate::output::{Output, TextBlock};
use crate::session::{Session, current_access_token, current_session};
use crate::settings::Setting;

const ACTION: &str = "whoami";

/// What the API gateway's message says on a route it does not know (REST APIs answer
/// 403 with it, not 404).
const UNKNOWN_ROUTE_MESSAGE: &str = "Missing Authentication Token";

/// How the call authenticates: which cached token goes into `Authorization`, or SigV4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    IdToken,
    AccessToken,
    Iam,
}

impl Credential {
    /// Its name in messages; never the token itself.
    fn name(self) -> &'static str {
        match self {
            Credential::IdToken => "id token",
            Credential::AccessToken => "access token",
            Credential::Iam => "identity pool credentials",
        }
    }
}

/// `whoami`: `GET <api><route>` with `Authorization: <id or access token>`, or with
/// `--iam` signed with SigV4; prints the caller identity the API returns.
pub async fn whoami(context: &Context, args: &WhoamiArgs) -> Result<Output, CliError> {
    let api_url = context.config.api_url()?;
    if args.iam {
        context.config.identity_pool_id()?;
    }
    let session = current_session(context)?;
    let credential = match (args.iam, args.access_token) {
        (true, _) => Credential::Iam,
        (false, true) => Credential::AccessToken,
        (false, false) => Credential::IdToken,
    };
    let route = args.route();
    let url = format!("{api_url}{route}");
    let request = match credential {
        Credential::Iam => {
            let credentials = identity_credentials(context, &session).await?;
            let mut request = build_request(http::Method::GET, &url, Bytes::new())?;
            sign_for_execute_api(&mut request, &credentials, context.config.region()?, SystemTime::now())?;
            request
        }
        Credential::IdToken => with_token(context, &session, &url, &session.tokens.id_token, credential)?,
        Credential::AccessToken => {
            let token = current_access_token(context, &session)?;
            with_token(context, &session, &url, token, credential)?
        }
    };
    let answer = send(request, ACTION).await?;
    if answer.status != 200 {
        return Err(refusal(answer, credential, route, session.claims.linked_identity_id().is_some()));
    }
    let caller: Value = serde_json::from_slice(&answer.body).map_err(|err| CliError::Unexpected {
        action: ACTION,
        cause: format!("the API answered 200 but not with JSON ({err})"),
        hint: Some(format!("check {}", Setting::ApiUrl.names())),
    })?;
    let field = |name: &str| match &caller[name] {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_owned(),
        Value::Array(items) if items.is_empty() => "-".to_owned(),
        Value::Array(items) => items.iter().map(|item| item.as_str().unwrap_or("?")).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    };
    let who = caller["username"].as_str().unwrap_or(&session.tokens.username).to_owned();
    let human = TextBlock::new(format!("the API sees {who}"))
        .line("sub", field("sub"))
        .line("identity id", field("identityId"))
        .line("linked", field("linked"))
        .line("user pool", field("userPoolId"))
        .line("token use", field("tokenUse"))
        .line("groups", field("groups"))
        .line("scopes", field("scopes"))
        .line("source", field("source"))
        .line("route", format!("GET {route} with the {}", credential.name()))
        .render();
    Ok(Output::Report { human, json: caller })
}

/// `GET url` with `token` as is in `Authorization`, as API Gateway's token sources take it.
fn with_token(
    context: &Context,
    session: &Session,
    url: &str,
    token: &str,
    credential: Credential,
) -> Result<http::Request<Bytes>, CliError> {
    let mut request = build_request(http::Method::GET, url, Bytes::new())?;
    let authorization = http::HeaderValue::from_str(token).map_err(|_| CliError::CacheUnusable {
        path: context
            .token_cache()
            .map(|cache| cache.path_for(&session.tokens.user_pool_id, &session.tokens.client_id))
            .unwrap_or_default(),
        cause: format!("the cached {} is not a valid header value", credential.name()),
    })?;
    request.headers_mut().insert(http::header::AUTHORIZATION, authorization);
    Ok(request)
}

/// The error for an answer other than 200, told apart by who refused: the gateway on
/// the authorizer's word (401: the token; 403: the route's scope or group rules), the
/// gateway for a route it does not know, or the function itself.
///
/// `linked`: whether the id token already carries `custom:identity_id`. An authorizer with
/// `REQUIRE_LINKED` denies users it cannot link with the same 403, so for a user who is not
/// linked yet the message says that too.
fn refusal(answer: ApiAnswer, credential: Credential, route: &str, linked: bool) -> CliError {
    let unknown_route = || {
        Some(format!(
            "the API has no route GET {route} at this URL: pass another --route or check {}, stage included",
            Setting::ApiUrl.names()
        ))
    };
    let api_error = |answer: ApiAnswer, hint: Option<String>| CliError::Api {
        action: ACTION,
        status: answer.status,
        message: answer.message(),
        hint,
    };
    match answer.status {
        404 => api_error(answer, unknown_route()),
        403 if answer.message().as_deref() == Some(UNKNOWN_ROUTE_MESSAGE) => api_error(answer, unknown_route()),
        _ if credential == Credential::Iam || answer.is_from_function() => answer.into_error(ACTION),
        401 => {
            let hint = match credential {
                Credential::AccessToken => {
                    "the API refused the access token: the route's authorizer may take id tokens only, or the session \
                     ended: run 'cognito-bridge refresh' or log in again"
                }
                _ => "the API refused the id token: run 'cognito-bridge refresh' or log in again",
            };
            api_error(answer, Some(hint.to_owned()))
        }
        403 => {
            let mut hint = match credential {
                Credential::IdToken => {
                    "id tokens carry no OAuth scopes: a route that requires one needs --access-token"
                }
                _ => "after a change to the user's groups or scopes, run 'cognito-bridge refresh'",
            }
            .to_owned();
            if !linked {
                hint.push_str("; an API that requires linked users refuses this one until 'cognito-bridge link'");
            }
            CliError::RouteRefused {
                action: ACTION,
                token: credential.name(),
                route: format!("GET {route}"),
                hint: Some(hint),
            }
        }
        _ => answer.into_error(ACTION),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &'static str) -> ApiAnswer {
        ApiAnswer { status, body: Bytes::from_static(body.as_bytes()) }
    }

    const EXPLICIT_DENY: &str = r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#;

    #[test]
    fn a_gateway_403_on_a_token_route_is_the_routes_rules() {
        let err = refusal(answer(403, EXPLICIT_DENY), Credential::AccessToken, "/scoped/whoami", true);
        assert_eq!(
            err.one_line(),
            "whoami failed: the API refused this access token on GET /scoped/whoami (403): the token lacks the \
             route's scope or group, or its custom:identity_id is not the directory's; after a change to the user's groups or scopes, run 'cognito-bridge refresh'"
        );
        assert_eq!(err.exit_code(), crate::ExitCode::Refused);
        let err = refusal(answer(403, r#"{"message":"Forbidden"}"#), Credential::IdToken, "/admin/whoami", true);
        assert!(
            err.one_line().starts_with("whoami failed: the API refused this id token on GET /admin/whoami (403): "),
            "{}",
            err.one_line()
        );
        assert!(err.one_line().ends_with("a route that requires one needs --access-token"), "{}", err.one_line());
        let unlinked = refusal(answer(403, EXPLICIT_DENY), Credential::AccessToken, "/whoami", false);
        assert!(
            unlinked.one_line().ends_with(
                "run 'cognito-bridge refresh'; an API that requires linked users refuses this one until 'cognito-bridge link'"
            ),
            "{}",
            unlinked.one_line()
        );
    }

    #[test]
    fn unknown_routes_name_the_route_to_check() {
        for (status, body) in
            [(403, r#"{"message":"Missing Authentication Token"}"#), (404, r#"{"message":"Not Found"}"#)]
        {
            for credential in [Credential::IdToken, Credential::AccessToken, Credential::Iam] {
                let err = refusal(answer(status, body), credential, "/nope", false);
                assert!(matches!(err, CliError::Api { .. }), "{status} {credential:?}: {err:?}");
                assert!(
                    err.one_line().ends_with(
                        "the API has no route GET /nope at this URL: pass another --route or check --api-url \
                         (COGNITO_BRIDGE_API_URL), stage included"
                    ),
                    "{}",
                    err.one_line()
                );
            }
        }
    }

    #[test]
    fn a_functions_own_403_and_iam_refusals_keep_the_apis_message() {
        let function = answer(
            403,
            r#"{"error":"no_caller_identity","message":"the caller is not signed in through a Cognito user pool"}"#,
        );
        let err = refusal(function, Credential::AccessToken, "/whoami", false);
        assert_eq!(
            err.one_line(),
            "whoami failed: the API answered 403: the caller is not signed in through a Cognito user pool; \
             the API denied the request to this caller"
        );
        let signature = answer(403, r#"{"message":"The request signature we calculated does not match"}"#);
        assert!(matches!(refusal(signature, Credential::Iam, "/iam/whoami", false), CliError::Api { status: 403, .. }));
    }

    #[test]
    fn a_401_names_the_token_that_was_sent() {
        let id = refusal(answer(401, r#"{"message":"Unauthorized"}"#), Credential::IdToken, "/whoami", true);
        assert_eq!(id.exit_code(), crate::ExitCode::NotSignedIn);
        assert!(id.one_line().ends_with("the API refused the id token: run 'cognito-bridge refresh' or log in again"));
        let access = refusal(answer(401, r#"{"message":"Unauthorized"}"#), Credential::AccessToken, "/whoami", true);
        assert_eq!(access.exit_code(), crate::ExitCode::NotSignedIn);
        assert!(
            access
                .one_line()
                .contains("the API refused the access token: the route's authorizer may take id tokens only")
        );
    }
}
