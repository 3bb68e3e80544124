//! `upload` and `ls`: the signed-in user's own private folder,
//! `private/<IdentityId>/`, reached with their identity pool credentials (the
//! authenticated role allows that folder only), never with the caller's IAM credentials.

use aws_credential_types::Credentials;
use aws_sdk_s3 as s3;
use directory::IdentityId;
use s3::primitives::ByteStream;
use serde_json::json;

use crate::aws_failure::AwsFailure;
use crate::cli_args::UploadArgs;
use crate::context::Context;
use crate::credentials::{IdentityCredentials, identity_credentials};
use crate::error::CliError;
use crate::output::{Output, TextBlock};
use crate::private_key_name::{name_in_folder, object_name, private_folder, private_object_key};
use crate::session::current_session;
use crate::settings::Setting;

/// The signed-in user's S3 client and IdentityId.
struct UserFolder {
    s3: s3::Client,
    identity_id: IdentityId,
    bucket: String,
}

/// Settings, session, then credentials: a configuration error says more than "not signed in".
async fn user_folder(context: &Context, action: &'static str) -> Result<UserFolder, CliError> {
    let bucket = context.config.bucket()?.to_owned();
    context.config.identity_pool_id()?;
    let session = current_session(context)?;
    let credentials = identity_credentials(context, &session).await?;
    let identity_id = IdentityId::parse(&credentials.identity_id).map_err(|why| CliError::Unexpected {
        action,
        cause: format!("Cognito returned an IdentityId that is not one ({why})"),
        hint: None,
    })?;
    Ok(UserFolder { s3: user_s3(context, &credentials)?, identity_id, bucket })
}

/// An S3 client signing with the identity's temporary credentials.
fn user_s3(context: &Context, credentials: &IdentityCredentials) -> Result<s3::Client, CliError> {
    let provider = Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        Some(credentials.session_token.clone()),
        None,
        "cognito-identity-pool",
    );
    let config = s3::config::Builder::from(context.config.sdk()?).credentials_provider(provider).build();
    Ok(s3::Client::from_conf(config))
}

/// The CLI error for a failed S3 call on the user's folder, with what to check.
fn s3_error(context: &Context, action: &'static str, folder: &UserFolder, failure: AwsFailure) -> CliError {
    let hint = match failure.code() {
        Some("AccessDenied") => Some(format!(
            "the identity pool's authenticated role allows s3://{}/{}* only",
            folder.bucket,
            private_folder(&folder.identity_id)
        )),
        Some("NoSuchBucket") => Some(format!("no bucket {}: check {}", folder.bucket, Setting::Bucket.names())),
        _ => None,
    };
    failure.into_error(action, &context.config.aws_target(), hint)
}

/// `upload FILE [--key NAME]`: one PutObject to `private/<IdentityId>/NAME`.
pub async fn upload(context: &Context, args: &UploadArgs) -> Result<Output, CliError> {
    let name = object_name(&args.file, args.key.as_deref()).map_err(|why| CliError::Usage(format!("upload: {why}")))?;
    let body = std::fs::read(&args.file)
        .map_err(|err| CliError::Usage(format!("upload: cannot read {}: {err}", args.file.display())))?;
    let folder = user_folder(context, "upload").await?;
    let key =
        private_object_key(&folder.identity_id, &name).map_err(|why| CliError::Usage(format!("upload: {why}")))?;
    let size = body.len();
    let answer = folder
        .s3
        .put_object()
        .bucket(&folder.bucket)
        .key(&key)
        .body(ByteStream::from(body))
        .send()
        .await
        .map_err(|err| s3_error(context, "upload", &folder, AwsFailure::from_sdk(&err)))?;
    let uri = format!("s3://{}/{key}", folder.bucket);
    let human = TextBlock::new(format!("uploaded {uri}"))
        .line("identity id", folder.identity_id.as_str())
        .line("bytes", size.to_string())
        .line("etag", answer.e_tag().unwrap_or("-"))
        .line("next", format!("cognito-bridge whois {uri}  (owner tags), cognito-bridge usage <you>"))
        .render();
    let json = json!({
        "bucket": folder.bucket,
        "key": key,
        "uri": uri,
        "identityId": folder.identity_id.as_str(),
        "bytes": size,
        "eTag": answer.e_tag(),
    });
    Ok(Output::Report { human, json })
}

/// `ls`: ListObjectsV2 on the user's own prefix, every page.
pub async fn list(context: &Context) -> Result<Output, CliError> {
    let folder = user_folder(context, "ls").await?;
    let prefix = private_folder(&folder.identity_id);
    let mut pages = folder.s3.list_objects_v2().bucket(&folder.bucket).prefix(&prefix).into_paginator().send();
    let mut objects = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| s3_error(context, "ls", &folder, AwsFailure::from_sdk(&err)))?;
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            objects.push((
                name_in_folder(&folder.identity_id, key).unwrap_or(key).to_owned(),
                object.size().unwrap_or(0).max(0) as u64,
                object.last_modified().map(|at| at.to_string()),
            ));
        }
    }
    let bytes: u64 = objects.iter().map(|(_, size, _)| size).sum();
    let width = objects.iter().map(|(_, size, _)| size.to_string().len()).max().unwrap_or(1);
    let mut human = format!("s3://{}/{prefix}: {} object(s), {bytes} bytes", folder.bucket, objects.len());
    for (name, size, modified) in &objects {
        human.push_str(&format!("\n  {size:>width$}  {}  {name}", modified.as_deref().unwrap_or("-")));
    }
    let json = json!({
        "bucket": folder.bucket,
        "prefix": prefix,
        "identityId": folder.identity_id.as_str(),
        "objects": objects
            .iter()
            .map(|(name, size, modified)| json!({"name": name, "key": format!("{prefix}{name}"), "bytes": size, "lastModified": modified}))
            .collect::<Vec<_>>(),
        "count": objects.len(),
        "bytes": bytes,
    });
    Ok(Output::Report { human, json })
}
