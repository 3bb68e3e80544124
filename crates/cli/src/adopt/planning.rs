//! The whole plan, decided over what the preflight read: the attribute first, then
//! each client, the trigger, the folder layout's trust policy and tag maps, then the
//! bucket, the sweep last. No I/O here.

use aws_sdk_cognitoidentityprovider::types::UserPoolClientType;

use super::adopt_error::{AdoptError, ResourceKind};
use super::attribute_plan::needs_identity_attribute;
use super::client_plan::{ClientLists, plan_client};
use super::layout_reads::LayoutObserved;
use super::notification_plan::{needs_event_bridge, rule_count};
use super::plan::{Change, Plan};
use super::principal_tag_plan::{MAX_TAGS, SUB_CLAIM, SUB_TAG, TagMapConflict, TagMapDecision, plan_tag_map};
use super::reads::{AdoptTarget, Observed};
use super::trigger_plan::{TriggerDecision, plan_trigger};
use super::trust_policy_plan::{TAG_SESSION_ACTION, TrustDecision, plan_trust};

/// A described client's lists, as the client planner reads them.
pub fn client_lists(client: &UserPoolClientType) -> ClientLists {
    ClientLists {
        client_id: client.client_id().unwrap_or_default().to_owned(),
        client_name: client.client_name().unwrap_or_default().to_owned(),
        read: client.read_attributes.clone(),
        write: client.write_attributes.clone(),
    }
}

/// The plan for `observed`, or the first conflict found (nothing is written then).
///
/// The sweep is planned with the EventBridge switch: objects stored before the bucket
/// sent events to the bridge are counted once, when the switch goes on.
pub fn plan(target: &AdoptTarget, observed: &Observed, bridge_queue_arn: Option<&str>) -> Result<Plan, AdoptError> {
    let mut changes = Vec::new();
    if needs_identity_attribute(&target.pool_id, &observed.schema)? {
        changes.push(Change::AddIdentityAttribute { pool_id: target.pool_id.clone() });
    }
    for client in &observed.clients {
        if let Some(change) = plan_client(&client_lists(client), &observed.schema) {
            changes.push(Change::RestrictClient(change));
        }
    }
    let mut warnings = observed.warnings.clone();
    match plan_trigger(&observed.trigger, target.pre_token_function_arn.as_deref()) {
        TriggerDecision::Attach { function_arn } => {
            changes.push(Change::AttachPreTokenTrigger { pool_id: target.pool_id.clone(), function_arn })
        }
        TriggerDecision::AlreadyAttached => {}
        TriggerDecision::Report(reason) => warnings.push(reason),
    }
    let mut unchanged = Vec::new();
    if let Some(layout) = &observed.layout {
        warnings.extend(layout.warnings.iter().cloned());
        plan_layout(&target.identity_pool_id, layout, &mut changes, &mut unchanged)?;
    }
    if needs_event_bridge(&target.bucket, &observed.notifications, bridge_queue_arn)? {
        changes.push(Change::EnableEventBridge {
            bucket: target.bucket.clone(),
            kept_rules: rule_count(&observed.notifications),
        });
        changes.push(Change::Sweep { bucket: target.bucket.clone() });
    }
    Ok(Plan { changes, warnings, unchanged })
}

/// Folder layout `sub`/`both`: the trust policy first, then each provider's map. The
/// order is apply's: with the map set and `sts:TagSession` missing, Cognito refuses every
/// user's credentials (InvalidIdentityPoolConfigurationException), so the trust policy
/// must allow the tag before any map asks for it.
fn plan_layout(
    identity_pool_id: &str,
    layout: &LayoutObserved,
    changes: &mut Vec<Change>,
    unchanged: &mut Vec<String>,
) -> Result<(), AdoptError> {
    let role = &layout.role;
    let trust = plan_trust(&role.trust_policy).map_err(|problem| AdoptError::Conflict {
        kind: ResourceKind::Role,
        id: role.name.clone(),
        reason: problem.describe(),
    })?;
    let mut planned = Vec::new();
    match trust {
        TrustDecision::AlreadyAllowed => unchanged
            .push(format!("role {}: its trust policy already allows {TAG_SESSION_ACTION} to Cognito", role.name)),
        TrustDecision::AddTagSession { after, statements } => planned.push(Change::AllowTagSession {
            role_name: role.name.clone(),
            role_arn: role.arn.clone(),
            statements,
            after,
        }),
    }
    for provider in &layout.tag_maps {
        match plan_tag_map(&provider.map) {
            Ok(TagMapDecision::AlreadyMapped) => unchanged.push(format!(
                "identity pool {identity_pool_id}: provider {} already maps the principal tag \"{SUB_TAG}\" to the claim \"{SUB_CLAIM}\"",
                provider.provider
            )),
            Ok(TagMapDecision::Merge { after }) => planned.push(Change::MapSubTag {
                identity_pool_id: identity_pool_id.to_owned(),
                provider: provider.provider.clone(),
                before: provider.map.clone(),
                after,
            }),
            Err(TagMapConflict::TagTaken { claim }) => {
                return Err(AdoptError::Conflict {
                    kind: ResourceKind::IdentityPool,
                    id: identity_pool_id.to_owned(),
                    reason: format!(
                        "provider {} already maps the principal tag \"{SUB_TAG}\" to the claim \"{claim}\"; the bridge's folders need that tag to hold the claim \"{SUB_CLAIM}\", and adopt never overwrites a mapping (other policies may read the tag): remove or rename that mapping, then run adopt again",
                        provider.provider
                    ),
                });
            }
            Err(TagMapConflict::Full) => {
                return Err(AdoptError::Conflict {
                    kind: ResourceKind::IdentityPool,
                    id: identity_pool_id.to_owned(),
                    reason: format!(
                        "provider {} already maps {MAX_TAGS} principal tags, the most Cognito takes: there is no room for the tag \"{SUB_TAG}\"",
                        provider.provider
                    ),
                });
            }
        }
    }
    changes.extend(planned);
    Ok(())
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::types::{EventBridgeConfiguration, NotificationConfiguration};

    use super::*;
    use crate::adopt::attribute_plan::SchemaAttribute;

    fn target() -> AdoptTarget {
        AdoptTarget {
            pool_id: "us-east-1_a".into(),
            provider_name: "cognito-idp.us-east-1.amazonaws.com/us-east-1_a".into(),
            identity_pool_id: "us-east-1:x".into(),
            bucket: "b".into(),
            directory_table: "t".into(),
            client_ids: vec![],
            queue_url: None,
            pre_token_function_arn: None,
            folder_layout: "identity-id".into(),
        }
    }

    fn observed(with_attribute: bool, write: Option<Vec<String>>, event_bridge: bool) -> Observed {
        let mut schema = vec![SchemaAttribute { name: "email".into(), data_type: "String".into(), mutable: true }];
        if with_attribute {
            schema.push(SchemaAttribute {
                name: "custom:identity_id".into(),
                data_type: "String".into(),
                mutable: true,
            });
        }
        let client =
            UserPoolClientType::builder().client_id("c1").client_name("web").set_write_attributes(write).build();
        let notifications = NotificationConfiguration::builder()
            .set_event_bridge_configuration(event_bridge.then(|| EventBridgeConfiguration::builder().build()))
            .build();
        Observed {
            schema,
            trigger: Default::default(),
            clients: vec![client],
            notifications,
            layout: None,
            warnings: vec![],
        }
    }

    #[test]
    fn a_fresh_app_gets_every_step_in_order_and_an_adopted_one_none() {
        let fresh = plan(&target(), &observed(false, None, false), None).unwrap();
        let actions: Vec<_> = fresh.changes.iter().map(Change::action).collect();
        assert_eq!(actions, ["add-custom-attribute", "restrict-client-attributes", "enable-eventbridge", "sweep"]);
        let adopted = plan(&target(), &observed(true, Some(vec!["email".into()]), true), None).unwrap();
        assert_eq!(adopted.changes, vec![]);
    }

    #[test]
    fn the_trigger_is_attached_after_the_clients_and_before_the_bucket() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:stack-pre-token";
        let target = AdoptTarget { pre_token_function_arn: Some(arn.into()), ..target() };
        let planned = plan(&target, &observed(false, None, false), None).unwrap();
        let actions: Vec<_> = planned.changes.iter().map(Change::action).collect();
        assert_eq!(
            actions,
            [
                "add-custom-attribute",
                "restrict-client-attributes",
                "attach-pre-token-trigger",
                "enable-eventbridge",
                "sweep"
            ]
        );
        // A pool with a trigger of its own keeps it: reported, not planned.
        let mut theirs = observed(true, Some(vec!["email".into()]), true);
        theirs.trigger.function_arn = Some("arn:aws:lambda:us-east-1:123456789012:function:team".into());
        let planned = plan(&target, &theirs, None).unwrap();
        assert_eq!(planned.changes, vec![]);
        assert!(planned.warnings.iter().any(|w| w.contains("never replaces")), "{:?}", planned.warnings);
    }

    fn layout(trust_actions: serde_json::Value, tags: &[(&str, &str)]) -> LayoutObserved {
        use crate::adopt::layout_reads::{AuthenticatedRole, ProviderTagMap};
        use crate::adopt::principal_tag_plan::TagMap;
        let trust_policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": trust_actions,
        }]});
        LayoutObserved {
            role: AuthenticatedRole { name: "auth".into(), arn: "arn:aws:iam::1:role/auth".into(), trust_policy },
            tag_maps: vec![ProviderTagMap {
                provider: "cognito-idp.us-east-1.amazonaws.com/us-east-1_a".into(),
                map: TagMap {
                    use_defaults: false,
                    tags: tags.iter().map(|(t, c)| ((*t).into(), (*c).into())).collect(),
                },
            }],
            warnings: vec![],
        }
    }

    #[test]
    fn the_trust_policy_comes_before_the_tag_map_and_a_taken_tag_stops_the_whole_plan() {
        let target = AdoptTarget { folder_layout: "both".into(), ..target() };
        let mut seen = observed(true, Some(vec!["email".into()]), false);
        seen.layout = Some(layout(serde_json::json!("sts:AssumeRoleWithWebIdentity"), &[("team", "aud")]));
        let planned = plan(&target, &seen, None).unwrap();
        let actions: Vec<_> = planned.changes.iter().map(Change::action).collect();
        assert_eq!(actions, ["allow-tag-session", "map-principal-tag", "enable-eventbridge", "sweep"]);
        seen.layout =
            Some(layout(serde_json::json!(["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]), &[("sub", "sub")]));
        let planned = plan(&target, &seen, None).unwrap();
        assert_eq!(planned.changes.iter().map(Change::action).collect::<Vec<_>>(), ["enable-eventbridge", "sweep"]);
        assert_eq!(planned.unchanged.len(), 2, "{:?}", planned.unchanged);
        seen.layout = Some(layout(serde_json::json!("sts:AssumeRoleWithWebIdentity"), &[("sub", "email")]));
        let error = plan(&target, &seen, None).unwrap_err().to_string();
        assert!(error.contains("\"sub\"") && error.contains("\"email\"") && error.contains("us-east-1_a"), "{error}");
    }
}
