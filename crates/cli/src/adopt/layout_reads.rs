//! The reads of folder layout `sub`/`both`, made with the preflight and only for those
//! layouts: the identity pool's authenticated role (GetIdentityPoolRoles), that role's
//! trust policy (IAM GetRole), and the principal-tag map of each user-pool provider of
//! the identity pool (GetPrincipalTagAttributeMap).

use std::collections::BTreeMap;

use serde_json::Value;

use super::adopt_error::{AdoptError, ResourceKind};
use super::policy_document::parse_policy_document;
use super::principal_tag_plan::TagMap;
use super::reads::{AdoptClients, failed};

/// The prefix of a user-pool provider's name (`cognito-idp.<region>.amazonaws.com/<pool>`).
const USER_POOL_PROVIDER_PREFIX: &str = "cognito-idp.";

/// The identity pool's authenticated role, as the plan saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthenticatedRole {
    /// The role's name (UpdateAssumeRolePolicy takes the name).
    pub name: String,
    /// Its ARN, as the identity pool names it.
    pub arn: String,
    /// Its trust policy, decoded.
    pub trust_policy: Value,
}

/// One user-pool provider's principal-tag map.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderTagMap {
    /// `cognito-idp.<region>.amazonaws.com/<pool>`.
    pub provider: String,
    /// Its map.
    pub map: TagMap,
}

/// What the `sub` and `both` layouts read.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutObserved {
    /// The authenticated role.
    pub role: AuthenticatedRole,
    /// Each user-pool provider's map, in the identity pool's order.
    pub tag_maps: Vec<ProviderTagMap>,
    /// What the reads found worth a warning.
    pub warnings: Vec<String>,
}

/// The distinct user-pool providers among an identity pool's providers, in its order.
pub fn user_pool_providers<'a>(providers: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut distinct: Vec<String> = Vec::new();
    for provider in providers {
        if provider.starts_with(USER_POOL_PROVIDER_PREFIX) && !distinct.iter().any(|seen| seen == provider) {
            distinct.push(provider.to_owned());
        }
    }
    distinct
}

/// The role's name from its ARN (`arn:aws:iam::<account>:role/<path/>name`).
pub fn role_name_of(arn: &str) -> Option<&str> {
    let (_, path) = arn.split_once(":role/")?;
    path.rsplit('/').next().filter(|name| !name.is_empty())
}

/// Every read of the layout: the role, its trust policy, each provider's map.
pub async fn read_layout(
    clients: &AdoptClients,
    identity_pool_id: &str,
    providers: &[String],
) -> Result<LayoutObserved, AdoptError> {
    let roles =
        clients.identity.get_identity_pool_roles().identity_pool_id(identity_pool_id).send().await.map_err(failed(
            "cognito-identity:GetIdentityPoolRoles",
            ResourceKind::IdentityPool,
            identity_pool_id,
        ))?;
    let mut warnings = Vec::new();
    if roles.role_mappings.as_ref().is_some_and(|mappings| !mappings.is_empty()) {
        warnings.push(format!(
            "identity pool {identity_pool_id} chooses roles by rules or by token for some providers (RoleMappings): adopt adds sts:TagSession to its authenticated role only; every role those mappings choose needs it too, or its users' credentials are refused once the principal tag is mapped"
        ));
    }
    let arn = roles.roles.as_ref().and_then(|roles| roles.get("authenticated")).cloned().ok_or_else(|| {
        AdoptError::Conflict {
            kind: ResourceKind::IdentityPool,
            id: identity_pool_id.to_owned(),
            reason: "it has no authenticated role (GetIdentityPoolRoles): the users/<sub>/ folders are granted to that role; attach one, then run adopt again".to_owned(),
        }
    })?;
    let name = role_name_of(&arn)
        .ok_or_else(|| AdoptError::Conflict {
            kind: ResourceKind::IdentityPool,
            id: identity_pool_id.to_owned(),
            reason: format!("its authenticated role {arn:?} is not an IAM role ARN"),
        })?
        .to_owned();
    let trust_policy = read_trust_policy(clients, &name).await?;
    let mut tag_maps = Vec::with_capacity(providers.len());
    for provider in providers {
        tag_maps.push(ProviderTagMap {
            provider: provider.clone(),
            map: read_tag_map(clients, identity_pool_id, provider).await?,
        });
    }
    Ok(LayoutObserved { role: AuthenticatedRole { name, arn, trust_policy }, tag_maps, warnings })
}

/// IAM GetRole: the role's trust policy, decoded.
pub async fn read_trust_policy(clients: &AdoptClients, role_name: &str) -> Result<Value, AdoptError> {
    let answer = clients.iam.get_role().role_name(role_name).send().await.map_err(failed(
        "iam:GetRole",
        ResourceKind::Role,
        role_name,
    ))?;
    let raw = answer.role.and_then(|role| role.assume_role_policy_document).unwrap_or_default();
    parse_policy_document(&raw).map_err(|reason| AdoptError::Conflict {
        kind: ResourceKind::Role,
        id: role_name.to_owned(),
        reason: format!("its trust policy cannot be read: {reason}"),
    })
}

/// GetPrincipalTagAttributeMap of one provider.
pub async fn read_tag_map(
    clients: &AdoptClients,
    identity_pool_id: &str,
    provider: &str,
) -> Result<TagMap, AdoptError> {
    let answer = clients
        .identity
        .get_principal_tag_attribute_map()
        .identity_pool_id(identity_pool_id)
        .identity_provider_name(provider)
        .send()
        .await
        .map_err(failed(
            "cognito-identity:GetPrincipalTagAttributeMap",
            ResourceKind::IdentityPool,
            identity_pool_id,
        ))?;
    Ok(TagMap {
        use_defaults: answer.use_defaults.unwrap_or(false),
        tags: answer.principal_tags.unwrap_or_default().into_iter().collect::<BTreeMap<_, _>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_are_user_pools_once_each_and_role_names_come_from_arns() {
        let listed = [
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_a",
            "accounts.google.com",
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_b",
            "cognito-idp.us-east-1.amazonaws.com/us-east-1_a",
        ];
        assert_eq!(
            user_pool_providers(listed),
            ["cognito-idp.us-east-1.amazonaws.com/us-east-1_a", "cognito-idp.us-east-1.amazonaws.com/us-east-1_b"]
        );
        assert_eq!(role_name_of("arn:aws:iam::123456789012:role/team-auth"), Some("team-auth"));
        assert_eq!(role_name_of("arn:aws:iam::123456789012:role/apps/web/team-auth"), Some("team-auth"));
        assert_eq!(role_name_of("arn:aws:iam::123456789012:user/x"), None);
        assert_eq!(role_name_of("arn:aws:iam::123456789012:role/"), None);
    }
}
