//! The link's steps in order, with the I/O at each step and every decision taken by
//! [`crate::link_decision`]:
//!
//! verify → (IAM caller is the token's user) → directory read by (pool, `sub`) →
//! on a miss: `GetId` → (IAM caller's IdentityId is Cognito's answer) → `record_link` →
//! then, unless the directory marks it done: `AdminUpdateUserAttributes` → mark.
//!
//! A repeat link of a marked entry is one `GetItem` and no Cognito call at all, whatever
//! token it carries: the entry was written from an authoritative `GetId`, so the IAM
//! caller's `cognitoIdentityId` is checked against it. When they differ, one `GetId`
//! decides: the user's IdentityId changed (the entry is replaced, [`crate::relink_flow`])
//! or the caller is refused. A link that stopped after the
//! directory write is repaired by the next one (one `AdminUpdateUserAttributes`, then
//! the mark).

use directory::{IdentityId, LinkRecorded, NewLink};
use lambda_http::Request;
use token_verifier::CognitoClaims;

use crate::directory_failure::directory_failed;
use crate::error::LinkError;
use crate::link_decision::{
    LinkOutcome, UserPoolStep, check_caller_identity, check_caller_is_token_user, outcome, user_pool_step,
};
use crate::link_request::{IamCaller, iam_caller, id_token_from_body};
use crate::link_service::LinkService;
use crate::relink_decision::{StoredLinkCheck, check_stored_link};
use crate::relink_flow::relink;

/// What is known about a request for its one log line.
#[derive(Debug, Default)]
pub struct LinkTrace {
    /// The verified token's `sub`.
    pub sub: Option<String>,
    /// The IdentityId the link resolved to.
    pub identity_id: Option<String>,
}

/// Runs one link request through every step; `trace` collects what the log line shows.
pub async fn link(service: &LinkService, request: &Request, trace: &mut LinkTrace) -> Result<LinkOutcome, LinkError> {
    if request.method() != lambda_http::http::Method::POST {
        return Err(LinkError::MethodNotAllowed);
    }
    let id_token = id_token_from_body(request.body())?;
    let caller = iam_caller(request)?;
    let claims = service.verifier.verify(&id_token).await?;
    trace.sub = Some(claims.sub.clone());
    let username =
        claims.user_name().ok_or(LinkError::InvalidToken("the token has no cognito:username".into()))?.to_owned();
    if let Some(caller) = &caller {
        check_caller_is_token_user(caller, &claims, service.identity_pool_id.as_str())?;
    }

    let known = service.directory.get_by_user(&service.user_pool_id, &claims.sub).await.map_err(directory_failed)?;
    let (link, created, marked) = match known {
        Some(entry)
            if check_stored_link(caller.as_ref().map(|c| c.identity_id.as_str()), entry.identity_id.as_str())
                == StoredLinkCheck::AskCognito =>
        {
            trace.identity_id = Some(entry.identity_id.to_string());
            let caller_identity_id = caller.as_ref().map(|c| c.identity_id.clone()).unwrap_or_default();
            let (link, replaced) = relink(service, &id_token, &username, &caller_identity_id, entry).await?;
            trace.identity_id = Some(link.identity_id.to_string());
            (link, replaced, false)
        }
        Some(entry) => {
            trace.identity_id = Some(entry.identity_id.to_string());
            let marked = entry.user_pool_written_at.is_some();
            let link = NewLink {
                identity_id: entry.identity_id,
                user_pool_id: entry.user_pool_id,
                sub: entry.sub,
                username: username.clone(),
                linked_at: entry.linked_at,
            };
            check_caller(caller.as_ref(), &link)?;
            (link, false, marked)
        }
        None => {
            let link = first_link(service, &id_token, &claims, &username, caller.as_ref(), trace).await?;
            let recorded = service.directory.record_link(&link).await.map_err(directory_failed)?;
            (link, recorded == LinkRecorded::Created, false)
        }
    };

    let identity_id = link.identity_id.to_string();
    let step = user_pool_step(claims.linked_identity_id(), &identity_id, marked);
    if step == UserPoolStep::WriteAttribute {
        service.cognito.write_identity_id(&username, &identity_id).await?;
    }
    if step != UserPoolStep::Nothing {
        mark_written(service, &link).await;
    }
    Ok(outcome(&claims, username, identity_id, created, step))
}

/// A user the directory does not know: `GetId` (Cognito's answer is the link), checked
/// against the IAM caller before anything is written.
async fn first_link(
    service: &LinkService,
    id_token: &str,
    claims: &CognitoClaims,
    username: &str,
    caller: Option<&IamCaller>,
    trace: &mut LinkTrace,
) -> Result<NewLink, LinkError> {
    let resolved = service.cognito.get_id(id_token).await?;
    trace.identity_id = Some(resolved.clone());
    let identity_id = IdentityId::parse(&resolved)
        .map_err(|_| LinkError::Upstream("GetId returned a malformed IdentityId".into()))?;
    let link = NewLink {
        identity_id,
        user_pool_id: service.user_pool_id.clone(),
        sub: claims.sub.clone(),
        username: username.to_owned(),
        linked_at: lambda_foundation::clock::unix_now(),
    };
    check_caller(caller, &link)?;
    Ok(link)
}

fn check_caller(caller: Option<&IamCaller>, link: &NewLink) -> Result<(), LinkError> {
    caller.map_or(Ok(()), |caller| check_caller_identity(caller, link.identity_id.as_str()))
}

/// Marks the entry as written to the user pool. The attribute is already written, so a
/// failure here is logged and the link still succeeds: the next link repeats the
/// (idempotent) attribute write and marks again.
async fn mark_written(service: &LinkService, link: &NewLink) {
    match service.directory.mark_user_pool_written(link, lambda_foundation::clock::unix_now()).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!(sub = link.sub, "the directory entry changed before it was marked as written"),
        Err(err) => tracing::warn!(sub = link.sub, error = %err, "could not mark the directory entry as written"),
    }
}
