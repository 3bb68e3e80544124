//! UpdateUserPool with every setting carried over and the pre token generation trigger
//! added. Cognito resets what UpdateUserPool is not sent (API reference,
//! UpdateUserPool: "If you don't provide a value for an attribute, Amazon Cognito sets
//! it to its default value"), so the request repeats every field of a fresh
//! DescribeUserPool that Update accepts, the other triggers of `LambdaConfig` included,
//! and adds `PreTokenGenerationConfig` only.

use aws_sdk_cognitoidentityprovider::types::{
    LambdaConfigType, PreTokenGenerationLambdaVersionType, PreTokenGenerationVersionConfigType, UserPoolType,
};

use super::adopt_error::{AdoptError, ResourceKind};
use super::reads::{AdoptClients, failed};
use super::trigger_plan::{PoolTrigger, TRIGGER_VERSION};

/// The trigger and plan of a described pool, as the trigger planner reads them.
pub fn pool_trigger(pool: &UserPoolType) -> PoolTrigger {
    let config = pool.lambda_config();
    let versioned = config.and_then(LambdaConfigType::pre_token_generation_config);
    let function_arn = versioned
        .map(|v| v.lambda_arn().to_owned())
        .filter(|arn| !arn.is_empty())
        .or_else(|| config.and_then(|c| c.pre_token_generation()).map(str::to_owned));
    let version = versioned
        .map(|v| v.lambda_version().as_str().to_owned())
        .or_else(|| function_arn.as_ref().map(|_| "V1_0".to_owned()));
    PoolTrigger { function_arn, version, tier: pool.user_pool_tier().map(|tier| tier.as_str().to_owned()) }
}

/// `config` (the pool's triggers, possibly none) with ours as the pre token generation trigger.
pub fn with_pre_token_trigger(
    config: Option<LambdaConfigType>,
    function_arn: &str,
) -> Result<LambdaConfigType, AdoptError> {
    let trigger = PreTokenGenerationVersionConfigType::builder()
        .lambda_arn(function_arn)
        .lambda_version(PreTokenGenerationLambdaVersionType::from(TRIGGER_VERSION))
        .build()
        .map_err(|err| AdoptError::BadInput(format!("the pre token generation trigger cannot be built: {err}")))?;
    let mut merged = config.unwrap_or_else(|| LambdaConfigType::builder().build());
    merged.pre_token_generation_config = Some(trigger);
    // The older field names the same function (Cognito mirrors it); a different value is refused.
    merged.pre_token_generation = Some(function_arn.to_owned());
    Ok(merged)
}

/// Sends the update: `described` (read just now) carried over, `function_arn` as its trigger.
pub async fn attach_pre_token_trigger(
    clients: &AdoptClients,
    described: &UserPoolType,
    function_arn: &str,
) -> Result<(), AdoptError> {
    let d = described.clone();
    let pool_id = d.id.clone().unwrap_or_default();
    let lambda_config = with_pre_token_trigger(d.lambda_config, function_arn)?;
    clients
        .idp
        .update_user_pool()
        .user_pool_id(&pool_id)
        .set_policies(d.policies)
        .set_deletion_protection(d.deletion_protection)
        .lambda_config(lambda_config)
        .set_auto_verified_attributes(d.auto_verified_attributes)
        .set_sms_verification_message(d.sms_verification_message)
        .set_email_verification_message(d.email_verification_message)
        .set_email_verification_subject(d.email_verification_subject)
        .set_verification_message_template(d.verification_message_template)
        .set_sms_authentication_message(d.sms_authentication_message)
        .set_user_attribute_update_settings(d.user_attribute_update_settings)
        .set_mfa_configuration(d.mfa_configuration)
        .set_device_configuration(d.device_configuration)
        .set_email_configuration(d.email_configuration)
        .set_sms_configuration(d.sms_configuration)
        .set_user_pool_tags(d.user_pool_tags)
        .set_admin_create_user_config(d.admin_create_user_config)
        .set_user_pool_add_ons(d.user_pool_add_ons)
        .set_account_recovery_setting(d.account_recovery_setting)
        .set_pool_name(d.name)
        .set_user_pool_tier(d.user_pool_tier)
        .send()
        .await
        .map_err(failed("cognito-idp:UpdateUserPool", ResourceKind::UserPool, &pool_id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "arn:aws:lambda:us-east-1:123456789012:function:stack-pre-token";

    #[test]
    fn the_other_triggers_are_kept_and_ours_is_added_at_v2() {
        let theirs = LambdaConfigType::builder()
            .pre_sign_up("arn:aws:lambda:us-east-1:123456789012:function:team-signup")
            .post_confirmation("arn:aws:lambda:us-east-1:123456789012:function:team-welcome")
            .build();
        let merged = with_pre_token_trigger(Some(theirs), OURS).unwrap();
        assert_eq!(merged.pre_sign_up(), Some("arn:aws:lambda:us-east-1:123456789012:function:team-signup"));
        assert_eq!(merged.post_confirmation(), Some("arn:aws:lambda:us-east-1:123456789012:function:team-welcome"));
        let trigger = merged.pre_token_generation_config().unwrap();
        assert_eq!(trigger.lambda_arn(), OURS);
        assert_eq!(trigger.lambda_version().as_str(), "V2_0");
        assert_eq!(with_pre_token_trigger(None, OURS).unwrap().pre_token_generation_config(), Some(trigger));
    }

    #[test]
    fn a_described_pool_names_its_trigger_version_and_plan() {
        let pool = UserPoolType::builder()
            .lambda_config(
                LambdaConfigType::builder().pre_token_generation("arn:aws:lambda:us-east-1:1:function:old").build(),
            )
            .build();
        assert_eq!(
            pool_trigger(&pool),
            PoolTrigger {
                function_arn: Some("arn:aws:lambda:us-east-1:1:function:old".into()),
                version: Some("V1_0".into()),
                tier: None
            }
        );
        assert_eq!(pool_trigger(&UserPoolType::builder().build()), PoolTrigger::default());
    }
}
