//! `upload` and `ls`: the signed-in user's own private folder,
//! `private/<IdentityId>/`, reached with their identity pool credentials (the
//! authenticated role allows that folder only), never with the caller's IAM credentials.
//!
//! The names of the objects (the key `upload` writes, the name it defaults to, the name
//! `ls` shows) are pure functions at the end of this file: the checks S3 would make
//! later, made before any call.

use std::path::Path;

use aws_credential_types::Credentials;
use aws_sdk_s3 as s3;
use directory::{IdentityId, PRIVATE_PREFIX};
use s3::primitives::ByteStream;
use serde_json::json;

use crate::aws_call_error::AwsCallError;
use crate::cli_args::UploadArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::identity_credentials::{IdentityCredentials, identity_credentials};
use crate::output::{Output, TextBlock};
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
fn s3_error(context: &Context, action: &'static str, folder: &UserFolder, failure: AwsCallError) -> CliError {
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
        .map_err(|err| s3_error(context, "upload", &folder, AwsCallError::from_sdk(&err)))?;
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
        let page = page.map_err(|err| s3_error(context, "ls", &folder, AwsCallError::from_sdk(&err)))?;
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

// The names of a user's objects in their private folder: pure functions, no I/O.

/// S3's limit on a key's length, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// The folder of `identity_id`: `private/<IdentityId>/`, what the identity pool's role allows.
pub fn private_folder(identity_id: &IdentityId) -> String {
    format!("{PRIVATE_PREFIX}{}/", identity_id.as_str())
}

/// The name to store `file` under: `key` when given, else the file's own name. The error
/// says what is wrong with it.
pub fn object_name(file: &Path, key: Option<&str>) -> Result<String, String> {
    let name = match key {
        Some(key) => key.to_owned(),
        None => file
            .file_name()
            .and_then(|name| name.to_str())
            .map(str::to_owned)
            .ok_or_else(|| format!("{} has no UTF-8 file name: name the object with --key", file.display()))?,
    };
    if name.is_empty() {
        return Err("the object name is empty".into());
    }
    if name.starts_with('/') || name.ends_with('/') {
        return Err(format!("the object name {name:?} starts or ends with '/'"));
    }
    if name.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return Err(format!("the object name {name:?} has an empty, '.' or '..' part"));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("the object name {name:?} has a control character"));
    }
    Ok(name)
}

/// The key of `name` in `identity_id`'s folder, refused past S3's key length.
pub fn private_object_key(identity_id: &IdentityId, name: &str) -> Result<String, String> {
    let key = format!("{}{name}", private_folder(identity_id));
    if key.len() > MAX_KEY_BYTES {
        return Err(format!("the key would be {} bytes, over S3's {MAX_KEY_BYTES}", key.len()));
    }
    Ok(key)
}

/// The name `key` has inside `identity_id`'s folder (`None` when it is not in it).
pub fn name_in_folder<'a>(identity_id: &IdentityId, key: &'a str) -> Option<&'a str> {
    key.strip_prefix(&private_folder(identity_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> IdentityId {
        IdentityId::parse("us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6").unwrap()
    }

    #[test]
    fn the_name_defaults_to_the_file_name_and_lands_in_the_folder() {
        assert_eq!(object_name(Path::new("/tmp/notes.txt"), None).unwrap(), "notes.txt");
        assert_eq!(object_name(Path::new("x"), Some("docs/ünï code.txt")).unwrap(), "docs/ünï code.txt");
        let key = private_object_key(&id(), "docs/a.txt").unwrap();
        assert_eq!(key, "private/us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6/docs/a.txt");
        assert_eq!(name_in_folder(&id(), &key), Some("docs/a.txt"));
        assert_eq!(name_in_folder(&id(), "private/other/a.txt"), None);
    }

    #[test]
    fn names_that_would_leave_the_folder_or_break_s3_are_refused() {
        for bad in ["", "/a", "a/", "a//b", "../a", "a/./b", "a\nb"] {
            assert!(object_name(Path::new("f"), Some(bad)).is_err(), "{bad:?}");
        }
        assert!(object_name(Path::new("/"), None).is_err());
        assert!(private_object_key(&id(), &"a".repeat(MAX_KEY_BYTES)).is_err());
    }
}
