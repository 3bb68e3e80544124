//! Where the CLI points: settings from flags and environment variables, with the
//! gaps filled from a CloudFormation stack's Outputs, and the AWS SDK
//! configuration built from them.
//!
//! A setting is checked when a command needs it, so `whois` works without an
//! identity pool id and `login` without an API URL.

use std::collections::HashMap;

use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudformation as cloudformation;
use lambda_foundation::{IdentityPoolId, UserPoolId};

use crate::aws_call_error::AwsCallError;
use crate::cli_args::TargetArgs;
use crate::error::CliError;
use crate::settings::Setting;

/// The resolved settings and the SDK configuration.
#[derive(Debug, Clone)]
pub struct StackConfig {
    stack: Option<String>,
    region: Option<String>,
    user_pool_id: Option<String>,
    client_id: Option<String>,
    identity_pool_id: Option<String>,
    api_url: Option<String>,
    directory_table: Option<String>,
    bucket: Option<String>,
    queue_url: Option<String>,
    dlq_url: Option<String>,
    forget_queue_url: Option<String>,
    pre_token_function_arn: Option<String>,
    folder_layout: Option<String>,
    /// Every output of the `--stack` stack (empty without one), for `web-config`.
    outputs: HashMap<String, String>,
    sdk: Option<SdkConfig>,
}

impl StackConfig {
    /// Settings from `args`; with `--stack`, the stack's Outputs fill what flags and
    /// environment variables left unset (one DescribeStacks call).
    pub async fn resolve(args: &TargetArgs) -> Result<Self, CliError> {
        let explicit_region = non_empty(&args.region);
        let mut config = StackConfig {
            stack: non_empty(&args.stack),
            region: explicit_region.clone(),
            user_pool_id: non_empty(&args.user_pool_id),
            client_id: non_empty(&args.client_id),
            identity_pool_id: non_empty(&args.identity_pool_id),
            api_url: non_empty(&args.api_url),
            directory_table: non_empty(&args.directory_table),
            bucket: non_empty(&args.bucket),
            queue_url: non_empty(&args.queue_url),
            dlq_url: non_empty(&args.dlq_url),
            forget_queue_url: non_empty(&args.forget_queue_url),
            pre_token_function_arn: non_empty(&args.pre_token_function_arn),
            folder_layout: non_empty(&args.folder_layout),
            outputs: HashMap::new(),
            sdk: None,
        };
        if let Some(stack) = config.stack.clone() {
            let region = match explicit_region {
                Some(region) => region,
                None => default_chain_region().await.ok_or(CliError::MissingSetting { setting: Setting::Region })?,
            };
            let outputs = describe_stack_outputs(&load_sdk_config(&region).await, &stack, &region).await?;
            let fill = |slot: &mut Option<String>, setting: Setting| {
                if slot.is_none() {
                    *slot = setting.stack_output().and_then(|key| outputs.get(key)).cloned().filter(|v| !v.is_empty());
                }
            };
            fill(&mut config.region, Setting::Region);
            fill(&mut config.user_pool_id, Setting::UserPoolId);
            fill(&mut config.client_id, Setting::ClientId);
            fill(&mut config.identity_pool_id, Setting::IdentityPoolId);
            fill(&mut config.api_url, Setting::ApiUrl);
            fill(&mut config.directory_table, Setting::DirectoryTable);
            fill(&mut config.bucket, Setting::Bucket);
            fill(&mut config.queue_url, Setting::QueueUrl);
            fill(&mut config.dlq_url, Setting::DlqUrl);
            fill(&mut config.forget_queue_url, Setting::ForgetQueueUrl);
            fill(&mut config.pre_token_function_arn, Setting::PreTokenFunctionArn);
            fill(&mut config.folder_layout, Setting::FolderLayout);
            config.region.get_or_insert(region);
            config.outputs = outputs;
        }
        if config.region.is_none() {
            config.region = config.user_pool_id.as_deref().and_then(region_of_user_pool);
        }
        if config.region.is_none() {
            config.region = default_chain_region().await;
        }
        if let Some(region) = &config.region {
            config.sdk = Some(load_sdk_config(region).await);
        }
        Ok(config)
    }

    /// The SDK configuration (region set; endpoint and credentials from the environment).
    pub fn sdk(&self) -> Result<&SdkConfig, CliError> {
        self.sdk.as_ref().ok_or(CliError::MissingSetting { setting: Setting::Region })
    }

    /// The region AWS calls and SigV4 signatures use.
    pub fn region(&self) -> Result<&str, CliError> {
        self.region.as_deref().ok_or(CliError::MissingSetting { setting: Setting::Region })
    }

    /// What AWS calls reach, for "cannot reach" messages: the endpoint override or the region.
    pub fn aws_target(&self) -> String {
        match (self.sdk.as_ref().and_then(SdkConfig::endpoint_url), &self.region) {
            (Some(url), _) => url.to_owned(),
            (None, Some(region)) => format!("AWS in {region}"),
            (None, None) => "AWS".to_owned(),
        }
    }

    /// The user pool id, validated as the functions validate it (`<region>_<id>`).
    pub fn user_pool(&self) -> Result<UserPoolId, CliError> {
        let value = self.require(&self.user_pool_id, Setting::UserPoolId)?;
        UserPoolId::parse(value).map_err(|err| invalid(Setting::UserPoolId, value, err))
    }

    /// The user pool id as text, once validated ([`StackConfig::user_pool`]).
    pub fn user_pool_id(&self) -> Result<&str, CliError> {
        self.user_pool()?;
        self.require(&self.user_pool_id, Setting::UserPoolId)
    }

    /// The app client id.
    pub fn client_id(&self) -> Result<&str, CliError> {
        self.require(&self.client_id, Setting::ClientId)
    }

    /// The identity pool id, validated as the functions validate it (`<region>:<id>`).
    pub fn identity_pool_id(&self) -> Result<&str, CliError> {
        let value = self.require(&self.identity_pool_id, Setting::IdentityPoolId)?;
        IdentityPoolId::parse(value).map_err(|err| invalid(Setting::IdentityPoolId, value, err))?;
        Ok(value)
    }

    /// The API base URL without a trailing slash.
    pub fn api_url(&self) -> Result<&str, CliError> {
        let value = self.require(&self.api_url, Setting::ApiUrl)?;
        let parsed = value.parse::<http::Uri>().ok();
        let valid = parsed
            .as_ref()
            .is_some_and(|uri| matches!(uri.scheme_str(), Some("http" | "https")) && uri.authority().is_some());
        if !valid {
            return Err(invalid(Setting::ApiUrl, value, "expected an http(s) URL"));
        }
        Ok(value.trim_end_matches('/'))
    }

    /// The identity directory's table name.
    pub fn directory_table(&self) -> Result<&str, CliError> {
        self.require(&self.directory_table, Setting::DirectoryTable)
    }

    /// The bucket of the private folders (`upload`, `ls`).
    pub fn bucket(&self) -> Result<&str, CliError> {
        self.require(&self.bucket, Setting::Bucket)
    }

    /// The object-owner function's queue (`sweep`).
    pub fn queue_url(&self) -> Result<&str, CliError> {
        self.require(&self.queue_url, Setting::QueueUrl)
    }

    /// The object-events dead-letter queue (`dlq`).
    pub fn dlq_url(&self) -> Result<&str, CliError> {
        self.require(&self.dlq_url, Setting::DlqUrl)
    }

    /// The forget function's queue (`reconcile`).
    pub fn forget_queue_url(&self) -> Result<&str, CliError> {
        self.require(&self.forget_queue_url, Setting::ForgetQueueUrl)
    }

    /// The `--stack` stack's name and every output it has (`web-config`), when a stack was named.
    pub fn stack_outputs(&self) -> Option<(&str, &HashMap<String, String>)> {
        self.stack.as_deref().map(|stack| (stack, &self.outputs))
    }

    /// The object-owner function's queue when one is known (`adopt --apply` sweeps only then).
    pub fn queue_url_if_known(&self) -> Option<&str> {
        self.queue_url.as_deref()
    }

    /// The Pre Token Generation function to attach (`adopt`), if a flag, the
    /// environment or the stack's `PreTokenFunctionArn` output names it.
    pub fn pre_token_function_arn_if_known(&self) -> Option<&str> {
        self.pre_token_function_arn.as_deref()
    }

    /// The folder layout `upload` and `ls` use: a flag, the environment or the stack's
    /// `FolderLayout` output; `identity-id` when none names one (a stack from before the
    /// setting). Anything else is a usage error naming the setting.
    pub fn folder_layout(&self) -> Result<&str, CliError> {
        match self.folder_layout.as_deref() {
            None => Ok("identity-id"),
            Some(layout @ ("identity-id" | "sub" | "both")) => Ok(layout),
            Some(other) => Err(CliError::Usage(format!(
                "{} is {other:?}: expected identity-id, sub or both",
                Setting::FolderLayout.names()
            ))),
        }
    }

    /// The `Logins` key and token issuer host of the user pool:
    /// `cognito-idp.<region>.amazonaws.com/<pool>`, the region being the pool's own.
    pub fn identity_provider_name(&self) -> Result<String, CliError> {
        Ok(self.user_pool()?.login_provider())
    }

    fn require<'a>(&'a self, slot: &'a Option<String>, setting: Setting) -> Result<&'a str, CliError> {
        slot.as_deref().ok_or_else(|| match &self.stack {
            Some(stack) => CliError::MissingStackOutput { setting, stack: stack.clone() },
            None => CliError::MissingSetting { setting },
        })
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

fn invalid(setting: Setting, value: &str, reason: impl ToString) -> CliError {
    CliError::InvalidSetting { setting, value: value.to_owned(), reason: reason.to_string() }
}

/// The region a user pool lives in, from its id (`us-east-1_AbC` → `us-east-1`).
pub fn region_of_user_pool(pool_id: &str) -> Option<String> {
    UserPoolId::parse(pool_id).ok().map(|pool| pool.region().to_owned())
}

/// The SDK's own region chain (profile, instance metadata), when no flag, variable or stack gave one.
async fn default_chain_region() -> Option<String> {
    RegionProviderChain::default_provider().region().await.map(|r| r.to_string())
}

async fn load_sdk_config(region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).region(Region::new(region.to_owned())).load().await
}

/// The Outputs of `stack` as a map (OutputKey → OutputValue).
async fn describe_stack_outputs(
    sdk: &SdkConfig,
    stack: &str,
    region: &str,
) -> Result<HashMap<String, String>, CliError> {
    let answer = cloudformation::Client::new(sdk).describe_stacks().stack_name(stack).send().await;
    let stacks = match answer {
        Ok(answer) => answer.stacks.unwrap_or_default(),
        Err(err) => {
            let failure = AwsCallError::from_sdk(&err);
            // CloudFormation answers an unknown stack with ValidationError "Stack with id X does not exist".
            if failure.code() == Some("ValidationError") && failure.cause().contains("does not exist") {
                return Err(CliError::StackNotFound {
                    stack: stack.to_owned(),
                    region: region.to_owned(),
                    cause: failure.cause(),
                });
            }
            let target = sdk.endpoint_url().map(str::to_owned).unwrap_or_else(|| format!("AWS in {region}"));
            return Err(failure.into_error("reading the stack outputs", &target, Some("check --stack".into())));
        }
    };
    let Some(found) = stacks.into_iter().next() else {
        return Err(CliError::StackNotFound {
            stack: stack.to_owned(),
            region: region.to_owned(),
            cause: "DescribeStacks returned no stack".into(),
        });
    };
    Ok(found
        .outputs
        .unwrap_or_default()
        .into_iter()
        .filter_map(|output| Some((output.output_key?, output.output_value?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: TargetArgs) -> StackConfig {
        StackConfig {
            stack: args.stack,
            region: args.region,
            user_pool_id: args.user_pool_id,
            client_id: args.client_id,
            identity_pool_id: args.identity_pool_id,
            api_url: args.api_url,
            directory_table: args.directory_table,
            bucket: args.bucket,
            queue_url: args.queue_url,
            dlq_url: args.dlq_url,
            forget_queue_url: args.forget_queue_url,
            pre_token_function_arn: args.pre_token_function_arn,
            folder_layout: args.folder_layout,
            outputs: HashMap::new(),
            sdk: None,
        }
    }

    #[test]
    fn the_pool_id_names_its_region() {
        assert_eq!(region_of_user_pool("us-east-1_AbCdEf123").as_deref(), Some("us-east-1"));
        assert_eq!(region_of_user_pool("eu-central-1_0123456789abcdef").as_deref(), Some("eu-central-1"));
        assert_eq!(region_of_user_pool("us-east-1"), None);
        assert_eq!(region_of_user_pool("_abc"), None);
        assert_eq!(region_of_user_pool("us-east-1_"), None);
    }

    #[test]
    fn settings_are_checked_when_used() {
        let empty = config(TargetArgs::default());
        assert!(matches!(empty.client_id(), Err(CliError::MissingSetting { setting: Setting::ClientId })));

        let from_stack = config(TargetArgs { stack: Some("dev".into()), ..Default::default() });
        let err = from_stack.api_url().unwrap_err();
        assert_eq!(
            err.one_line(),
            "the API URL is not set: stack dev has no output ApiUrl; pass --api-url or set COGNITO_BRIDGE_API_URL"
        );

        let bad = config(TargetArgs {
            user_pool_id: Some("nounderscore".into()),
            identity_pool_id: Some("no-colon".into()),
            api_url: Some("ftp://x".into()),
            ..Default::default()
        });
        assert!(matches!(bad.user_pool_id(), Err(CliError::InvalidSetting { setting: Setting::UserPoolId, .. })));
        assert!(matches!(bad.identity_pool_id(), Err(CliError::InvalidSetting { .. })));
        assert!(matches!(bad.api_url(), Err(CliError::InvalidSetting { .. })));

        let good = config(TargetArgs {
            user_pool_id: Some("us-west-2_Abc".into()),
            api_url: Some("https://api.example.com/Prod/".into()),
            ..Default::default()
        });
        assert_eq!(good.api_url().unwrap(), "https://api.example.com/Prod");
        assert_eq!(good.user_pool().unwrap().region(), "us-west-2");
        assert_eq!(good.identity_provider_name().unwrap(), "cognito-idp.us-west-2.amazonaws.com/us-west-2_Abc");
    }

    #[test]
    fn pool_ids_are_validated_as_the_functions_validate_them() {
        let with_identity_pool = |id: &str| {
            config(TargetArgs { identity_pool_id: Some(id.into()), ..Default::default() })
                .identity_pool_id()
                .map(str::to_owned)
        };
        assert_eq!(
            with_identity_pool("us-east-1:1f0c1a2b-1111-4222-8333-444455556666").unwrap(),
            "us-east-1:1f0c1a2b-1111-4222-8333-444455556666"
        );
        for bad in ["x:y", "US-EAST-1:1f0c1a2b-1111", "us-east-1:", "us-east-1:1f0c:1a2b-1111", "no-colon"] {
            let err = with_identity_pool(bad).unwrap_err();
            assert_eq!(
                err.one_line(),
                format!(
                    "the identity pool id {bad:?} is invalid: expected an identity pool id <region>:<uuid>, e.g. \
                     us-east-1:1f0c1a2b-…; fix --identity-pool-id or COGNITO_BRIDGE_IDENTITY_POOL_ID"
                ),
            );
        }
        let with_user_pool = |id: &str| {
            config(TargetArgs { user_pool_id: Some(id.into()), ..Default::default() }).user_pool_id().is_ok()
        };
        assert!(with_user_pool("us-east-1_AbCdEf123"));
        for bad in ["us-east-1_Ab-Cd", "US_abc", "us-east-1_", "_abc", "nounderscore"] {
            assert!(!with_user_pool(bad), "{bad}");
        }
    }
}
