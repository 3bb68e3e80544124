//! `whoami`: a call to a protected route, showing what a downstream Lambda sees
//! of the caller (both ids): with the id token (Lambda authorizer), or with
//! `--iam` signed with SigV4 under the identity pool credentials (IAM auth).

use std::time::SystemTime;

use hyper::body::Bytes;
use serde_json::Value;

use crate::api_client::{build_request, send};
use crate::cli_args::WhoamiArgs;
use crate::context::Context;
use crate::credentials::identity_credentials;
use crate::error::CliError;
use crate::output::{Output, TextBlock};
use crate::session::current_session;
use crate::settings::Setting;
use crate::signed_request::sign_for_execute_api;

/// `whoami`: `GET <api>/whoami` with `Authorization: <id token>`, or with `--iam`
/// `GET <api>/iam/whoami` signed with SigV4; prints the caller identity the API returns.
pub async fn whoami(context: &Context, args: &WhoamiArgs) -> Result<Output, CliError> {
    let api_url = context.config.api_url()?;
    if args.iam {
        context.config.identity_pool_id()?;
    }
    let session = current_session(context)?;
    let request = if args.iam {
        let credentials = identity_credentials(context, &session).await?;
        let mut request = build_request(http::Method::GET, &format!("{api_url}/iam/whoami"), Bytes::new())?;
        sign_for_execute_api(&mut request, &credentials, context.config.region()?, SystemTime::now())?;
        request
    } else {
        let mut request = build_request(http::Method::GET, &format!("{api_url}/whoami"), Bytes::new())?;
        let authorization =
            http::HeaderValue::from_str(&session.tokens.id_token).map_err(|_| CliError::CacheUnusable {
                path: context
                    .token_cache()
                    .map(|cache| cache.path_for(&session.tokens.user_pool_id, &session.tokens.client_id))
                    .unwrap_or_default(),
                cause: "the cached id token is not a valid header value".into(),
            })?;
        request.headers_mut().insert(http::header::AUTHORIZATION, authorization);
        request
    };
    let answer = send(request, "whoami").await?;
    if answer.status != 200 {
        return Err(answer.into_error("whoami"));
    }
    let caller: Value = serde_json::from_slice(&answer.body).map_err(|err| CliError::Unexpected {
        action: "whoami",
        cause: format!("the API answered 200 but not with JSON ({err})"),
        hint: Some(format!("check {}", Setting::ApiUrl.names())),
    })?;
    let field = |name: &str| match &caller[name] {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    };
    let who = caller["username"].as_str().unwrap_or(&session.tokens.username).to_owned();
    let human = TextBlock::new(format!("the API sees {who}"))
        .line("sub", field("sub"))
        .line("identity id", field("identityId"))
        .line("linked", field("linked"))
        .line("source", field("source"))
        .render();
    Ok(Output::Report { human, json: caller })
}
