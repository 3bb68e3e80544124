//! `link`: the whole client side of the link flow in one command.
//!
//! Identity pool credentials from the cached id token → `POST <api>/link` with
//! `{"idToken"}` signed with SigV4 under those credentials (IAM auth: the link
//! function checks the signer is the token's user) → refresh the tokens, so the
//! new id token carries `custom:identity_id` → show that it does.

use std::time::SystemTime;

use hyper::body::Bytes;
use serde::Deserialize;
use serde_json::json;

use token_verifier::decode_unverified_claims;

use crate::api_client::{build_request, send, sign_for_execute_api};
use crate::context::Context;
use crate::error::CliError;
use crate::identity_credentials::identity_credentials;
use crate::output::{Output, TextBlock, expiry, unix_now};
use crate::session::{current_session, refresh_tokens};
use crate::settings::Setting;

/// The link function's 200 answer (the fields the CLI uses).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkAnswer {
    identity_id: String,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    username: Option<String>,
    changed: bool,
    #[serde(default)]
    refresh_tokens: bool,
}

/// `link`: see the module doc.
pub async fn link(context: &Context) -> Result<Output, CliError> {
    // Settings first: a configuration error (exit 2) says more than "not signed in" (exit 3).
    let api_url = context.config.api_url()?;
    let region = context.config.region()?;
    context.config.identity_pool_id()?;
    let session = current_session(context)?;
    let credentials = identity_credentials(context, &session).await?;

    let body = json!({ "idToken": session.tokens.id_token }).to_string();
    let mut request = build_request(http::Method::POST, &format!("{api_url}/link"), Bytes::from(body))?;
    sign_for_execute_api(&mut request, &credentials, region, SystemTime::now())?;
    let answer = send(request, "link").await?;
    if answer.status != 200 {
        return Err(answer.into_error("link"));
    }
    let linked: LinkAnswer = serde_json::from_slice(&answer.body).map_err(|err| CliError::Unexpected {
        action: "link",
        cause: format!("the API answered 200 but not with the link JSON ({err})"),
        hint: Some(format!("check {}", Setting::ApiUrl.names())),
    })?;

    let already_carried = session.claims.linked_identity_id() == Some(linked.identity_id.as_str());
    let refreshed = linked.refresh_tokens || !already_carried;
    let tokens = if refreshed { refresh_tokens(context, &session.tokens).await? } else { session.tokens.clone() };
    let cache_path = if refreshed { Some(context.token_cache()?.save(&tokens)?) } else { None };
    let claims = decode_unverified_claims(&tokens.id_token).map_err(|cause| CliError::Unexpected {
        action: "link",
        cause: format!("the refreshed id token is unreadable: {cause}"),
        hint: None,
    })?;
    let in_token = claims.linked_identity_id().map(str::to_owned);
    if in_token.as_deref() != Some(linked.identity_id.as_str()) {
        return Err(CliError::Unexpected {
            action: "link",
            cause: format!(
                "the API linked {} but the refreshed id token carries {}",
                linked.identity_id,
                in_token.as_deref().unwrap_or("no custom:identity_id")
            ),
            hint: Some("check that the app client's ReadAttributes include custom:identity_id".into()),
        });
    }

    let username = linked.username.clone().unwrap_or_else(|| tokens.username.clone());
    let sub = linked.sub.clone().unwrap_or_else(|| claims.sub.clone());
    let mut human = TextBlock::new(format!("linked {username}"))
        .line("sub", &sub)
        .line("identity id", &linked.identity_id)
        .line("changed", if linked.changed { "yes: custom:identity_id written" } else { "no: already linked" })
        .line("signed as", format!("{} (access key {})", credentials.identity_id, credentials.access_key_id))
        .line(
            "id token",
            if refreshed {
                format!("refreshed; carries custom:identity_id {}", linked.identity_id)
            } else {
                format!("already carries custom:identity_id {}", linked.identity_id)
            },
        )
        .line("id token expires", expiry(tokens.expires_at, unix_now()));
    if context.show_tokens {
        human = human.line("new id token", &tokens.id_token);
    }
    let mut document = json!({
        "identityId": linked.identity_id,
        "sub": sub,
        "username": username,
        "changed": linked.changed,
        "refreshTokens": linked.refresh_tokens,
        "signedWith": {"identityId": credentials.identity_id, "accessKeyId": credentials.access_key_id},
        "tokensRefreshed": refreshed,
        "identityIdInToken": in_token,
        "tokenCache": cache_path,
    });
    if context.show_tokens {
        document["idToken"] = json!(tokens.id_token);
    }
    Ok(Output::Report { human: human.render(), json: document })
}
