//! `credentials`: the signed-in user's identity pool credentials, printed as shell
//! exports, JSON, or the AWS `credential_process` format (`Version` 1, `Expiration`
//! the credentials' own expiry in ISO 8601, so the SDK calls again before they lapse).

use serde_json::json;

use crate::cli_args::{CredentialsArgs, CredentialsFormat};
use crate::context::Context;
use crate::error::CliError;
use crate::identity_credentials::{IdentityCredentials, identity_credentials};
use crate::output::Output;
use crate::session::{current_or_refreshed_session, current_session};

/// `credentials`: prints the credentials in the requested format. With `--format process`
/// an AWS profile runs it unattended, long after `login`, so an expired id token is renewed
/// with the cached refresh token first (the other formats leave that to `refresh`).
pub async fn credentials(context: &Context, args: &CredentialsArgs) -> Result<Output, CliError> {
    // Settings first: a configuration error (exit 2) says more than "not signed in" (exit 3).
    context.config.identity_pool_id()?;
    let format = args.format.unwrap_or(if context.json { CredentialsFormat::Json } else { CredentialsFormat::Env });
    let session = match format {
        CredentialsFormat::Process => current_or_refreshed_session(context).await?,
        CredentialsFormat::Env | CredentialsFormat::Json => current_session(context)?,
    };
    let credentials = identity_credentials(context, &session).await?;
    Ok(Output::Verbatim(render(&credentials, format)))
}

/// The credentials in `format`.
pub fn render(credentials: &IdentityCredentials, format: CredentialsFormat) -> String {
    match format {
        CredentialsFormat::Env => {
            let mut lines = vec![
                format!("export AWS_ACCESS_KEY_ID={}", shell_quote(&credentials.access_key_id)),
                format!("export AWS_SECRET_ACCESS_KEY={}", shell_quote(&credentials.secret_access_key)),
                format!("export AWS_SESSION_TOKEN={}", shell_quote(&credentials.session_token)),
            ];
            if let Some(expiration) = &credentials.expiration {
                lines.push(format!("export AWS_CREDENTIAL_EXPIRATION={}", shell_quote(expiration)));
            }
            lines.push(format!("# IdentityId {}", credentials.identity_id));
            lines.join("\n")
        }
        CredentialsFormat::Json => {
            let document = json!({
                "identityId": credentials.identity_id,
                "accessKeyId": credentials.access_key_id,
                "secretAccessKey": credentials.secret_access_key,
                "sessionToken": credentials.session_token,
                "expiration": credentials.expiration,
            });
            // A `json!` value has string keys only; its Display is the same document, compact.
            serde_json::to_string_pretty(&document).unwrap_or_else(|_| document.to_string())
        }
        CredentialsFormat::Process => {
            let mut document = json!({
                "Version": 1,
                "AccessKeyId": credentials.access_key_id,
                "SecretAccessKey": credentials.secret_access_key,
                "SessionToken": credentials.session_token,
            });
            if let Some(expiration) = &credentials.expiration {
                document["Expiration"] = json!(expiration);
            }
            document.to_string()
        }
    }
}

/// `'value'`, safe to paste into a POSIX shell whatever the value holds.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> IdentityCredentials {
        IdentityCredentials {
            identity_id: "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6".into(),
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "se/cr+et".into(),
            session_token: "to'ken".into(),
            expiration: Some("2026-11-23T12:00:00Z".into()),
        }
    }

    #[test]
    fn env_format_is_safe_to_eval() {
        let text = render(&sample(), CredentialsFormat::Env);
        assert_eq!(
            text,
            "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\n\
             export AWS_SECRET_ACCESS_KEY='se/cr+et'\n\
             export AWS_SESSION_TOKEN='to'\\''ken'\n\
             export AWS_CREDENTIAL_EXPIRATION='2026-11-23T12:00:00Z'\n\
             # IdentityId us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6"
        );
    }

    #[test]
    fn process_format_is_version_1() {
        let document: serde_json::Value = serde_json::from_str(&render(&sample(), CredentialsFormat::Process)).unwrap();
        assert_eq!(
            document,
            json!({
                "Version": 1,
                "AccessKeyId": "ASIAEXAMPLE",
                "SecretAccessKey": "se/cr+et",
                "SessionToken": "to'ken",
                "Expiration": "2026-11-23T12:00:00Z"
            })
        );
        let json: serde_json::Value = serde_json::from_str(&render(&sample(), CredentialsFormat::Json)).unwrap();
        assert_eq!(json["identityId"], "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6");
        assert_eq!(json["accessKeyId"], "ASIAEXAMPLE");
    }
}
