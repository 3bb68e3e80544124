//! `upload` and `ls`: the signed-in user's own private folder, `private/<IdentityId>/`
//! or, in the stack's `sub` and `both` folder layouts, `users/<sub>/` (named by the
//! session's principal tag `sub`), reached with their identity pool credentials (the
//! authenticated role allows that folder only), never with the caller's IAM credentials.
//!
//! The names of the objects (the key `upload` writes, the name it defaults to, the name
//! `ls` shows) are pure functions at the end of this file: the checks S3 would make
//! later, made before any call.

use std::path::Path;

use aws_credential_types::Credentials;
use aws_sdk_s3 as s3;
use directory::{FolderSub, IdentityId, PRIVATE_PREFIX, SUB_PREFIX};
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
    /// `private/<IdentityId>/` or `users/<sub>/`, as the stack's folder layout says.
    prefix: String,
    /// Whether the prefix is `users/<sub>/`, named by the principal tag.
    by_sub: bool,
}

/// Settings, session, then credentials: a configuration error says more than "not signed in".
async fn user_folder(context: &Context, action: &'static str) -> Result<UserFolder, CliError> {
    let bucket = context.config.bucket()?.to_owned();
    context.config.identity_pool_id()?;
    let by_sub = context.config.folder_layout()? != "identity-id";
    let session = current_session(context)?;
    let credentials = identity_credentials(context, &session).await?;
    let identity_id = IdentityId::parse(&credentials.identity_id).map_err(|why| CliError::Unexpected {
        action,
        cause: format!("Cognito returned an IdentityId that is not one ({why})"),
        hint: None,
    })?;
    let prefix = match by_sub {
        true => {
            sub_folder(&session.claims.sub).map_err(|why| CliError::Unexpected { action, cause: why, hint: None })?
        }
        false => private_folder(&identity_id),
    };
    Ok(UserFolder { s3: user_s3(context, &credentials)?, identity_id, bucket, prefix, by_sub })
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
        // The sub layout needs the identity pool's principal-tag map and the role's
        // sts:TagSession and users/ grant: without them, every users/ call is refused.
        Some("AccessDenied") if folder.by_sub => Some(format!(
            "the folder layout is {} ({}): the identity pool must map the token's sub to the principal tag \"sub\", \
             its authenticated role's trust policy must allow sts:TagSession and the role must allow s3://{}/{}* \
             (FolderLayout=sub or both in the stack; for an adopted pool, cognito-bridge adopt --folder-layout sub)",
            context.config.folder_layout().unwrap_or("sub"),
            Setting::FolderLayout.names(),
            folder.bucket,
            folder.prefix
        )),
        Some("AccessDenied") => Some(format!(
            "the identity pool's authenticated role allows s3://{}/{}* only",
            folder.bucket, folder.prefix
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
    let key = object_key(&folder.prefix, &name).map_err(|why| CliError::Usage(format!("upload: {why}")))?;
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
    let prefix = folder.prefix.clone();
    let mut pages = folder.s3.list_objects_v2().bucket(&folder.bucket).prefix(&prefix).into_paginator().send();
    let mut objects = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| s3_error(context, "ls", &folder, AwsCallError::from_sdk(&err)))?;
        for object in page.contents() {
            let Some(key) = object.key() else { continue };
            objects.push((
                key.strip_prefix(&prefix).unwrap_or(key).to_owned(),
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

/// The folder of a user-pool `sub` in the `sub` and `both` layouts: `users/<sub>/`, what
/// the role allows through the principal tag. The error says why `sub` names no folder.
pub fn sub_folder(sub: &str) -> Result<String, String> {
    let sub = FolderSub::parse(sub).map_err(|why| format!("the signed-in user's sub cannot name a folder: {why}"))?;
    Ok(format!("{SUB_PREFIX}{sub}/"))
}

/// The key of `name` under `prefix` (a user's folder), refused past S3's key length.
pub fn object_key(prefix: &str, name: &str) -> Result<String, String> {
    let key = format!("{prefix}{name}");
    if key.len() > MAX_KEY_BYTES {
        return Err(format!("the key would be {} bytes, over S3's {MAX_KEY_BYTES}", key.len()));
    }
    Ok(key)
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
        let key = object_key(&private_folder(&id()), "docs/a.txt").unwrap();
        assert_eq!(key, "private/us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6/docs/a.txt");
    }

    #[test]
    fn the_sub_layout_puts_files_under_users_sub() {
        let folder = sub_folder("7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd").unwrap();
        assert_eq!(folder, "users/7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd/");
        assert_eq!(object_key(&folder, "a.txt").unwrap(), "users/7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd/a.txt");
        assert!(sub_folder("../other").is_err());
        assert!(sub_folder("").is_err());
    }

    #[test]
    fn names_that_would_leave_the_folder_or_break_s3_are_refused() {
        for bad in ["", "/a", "a/", "a//b", "../a", "a/./b", "a\nb"] {
            assert!(object_name(Path::new("f"), Some(bad)).is_err(), "{bad:?}");
        }
        assert!(object_name(Path::new("/"), None).is_err());
        assert!(object_key(&private_folder(&id()), &"a".repeat(MAX_KEY_BYTES)).is_err());
    }
}
