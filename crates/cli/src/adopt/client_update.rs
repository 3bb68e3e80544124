//! UpdateUserPoolClient with every field carried over. Cognito resets any field the
//! request does not carry (API reference, UpdateUserPoolClient: "If you don't provide
//! a value for an attribute, Amazon Cognito sets it to its default value"), so the
//! request repeats every field DescribeUserPoolClient returned that Update accepts,
//! and changes the two lists only.

use aws_sdk_cognitoidentityprovider::types::UserPoolClientType;

use super::adopt_error::{AdoptError, ResourceKind};
use super::client_plan::ClientChange;
use super::reads::{AdoptClients, failed};

/// Sends the update: `described` carried over, `change`'s lists in place of its own.
pub async fn update_client(
    clients: &AdoptClients,
    described: &UserPoolClientType,
    change: &ClientChange,
) -> Result<(), AdoptError> {
    let d = described.clone();
    clients
        .idp
        .update_user_pool_client()
        .set_user_pool_id(d.user_pool_id)
        .client_id(&change.client_id)
        .set_client_name(d.client_name)
        // Cognito always returns it (days by default); 0 is the SDK's "absent".
        .set_refresh_token_validity((d.refresh_token_validity != 0).then_some(d.refresh_token_validity))
        .set_access_token_validity(d.access_token_validity)
        .set_id_token_validity(d.id_token_validity)
        .set_token_validity_units(d.token_validity_units)
        .set_read_attributes(change.read.clone())
        .set_write_attributes(Some(change.write.clone()))
        .set_explicit_auth_flows(d.explicit_auth_flows)
        .set_supported_identity_providers(d.supported_identity_providers)
        .set_callback_urls(d.callback_urls)
        .set_logout_urls(d.logout_urls)
        .set_default_redirect_uri(d.default_redirect_uri)
        .set_allowed_o_auth_flows(d.allowed_o_auth_flows)
        .set_allowed_o_auth_scopes(d.allowed_o_auth_scopes)
        .set_allowed_o_auth_flows_user_pool_client(d.allowed_o_auth_flows_user_pool_client)
        .set_analytics_configuration(d.analytics_configuration)
        .set_prevent_user_existence_errors(d.prevent_user_existence_errors)
        .set_enable_token_revocation(d.enable_token_revocation)
        .set_enable_propagate_additional_user_context_data(d.enable_propagate_additional_user_context_data)
        .set_auth_session_validity(d.auth_session_validity)
        .set_refresh_token_rotation(d.refresh_token_rotation)
        .send()
        .await
        .map_err(failed("cognito-idp:UpdateUserPoolClient", ResourceKind::AppClient, &change.client_id))?;
    Ok(())
}
