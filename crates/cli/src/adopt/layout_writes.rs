//! The writes of folder layout `sub`/`both`: the authenticated role's trust policy
//! (UpdateAssumeRolePolicy replaces the whole document, so the merged one is sent) and a
//! provider's principal-tag map (SetPrincipalTagAttributeMap replaces the provider's
//! whole map, so every mapping kept is sent with ours).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::adopt_error::{AdoptError, ResourceKind};
use super::reads::{AdoptClients, failed};

/// UpdateAssumeRolePolicy with the merged trust policy.
pub async fn update_trust_policy(clients: &AdoptClients, role_name: &str, document: &Value) -> Result<(), AdoptError> {
    clients
        .iam
        .update_assume_role_policy()
        .role_name(role_name)
        .policy_document(document.to_string())
        .send()
        .await
        .map_err(failed("iam:UpdateAssumeRolePolicy", ResourceKind::Role, role_name))?;
    Ok(())
}

/// SetPrincipalTagAttributeMap with the merged map, `UseDefaults` false.
pub async fn set_tag_map(
    clients: &AdoptClients,
    identity_pool_id: &str,
    provider: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AdoptError> {
    let tags: HashMap<String, String> = tags.iter().map(|(tag, claim)| (tag.clone(), claim.clone())).collect();
    clients
        .identity
        .set_principal_tag_attribute_map()
        .identity_pool_id(identity_pool_id)
        .identity_provider_name(provider)
        .use_defaults(false)
        .set_principal_tags(Some(tags))
        .send()
        .await
        .map_err(failed(
            "cognito-identity:SetPrincipalTagAttributeMap",
            ResourceKind::IdentityPool,
            identity_pool_id,
        ))?;
    Ok(())
}
