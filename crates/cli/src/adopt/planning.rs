//! The whole plan, decided over what the preflight read: the attribute first, then
//! each client, then the bucket, the sweep last. No I/O here.

use aws_sdk_cognitoidentityprovider::types::UserPoolClientType;

use super::adopt_error::AdoptError;
use super::attribute_plan::needs_identity_attribute;
use super::client_plan::{ClientLists, plan_client};
use super::notification_plan::{needs_event_bridge, rule_count};
use super::plan::{Change, Plan};
use super::reads::{AdoptTarget, Observed};
use super::trigger_plan::{TriggerDecision, plan_trigger};

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
    if needs_event_bridge(&target.bucket, &observed.notifications, bridge_queue_arn)? {
        changes.push(Change::EnableEventBridge {
            bucket: target.bucket.clone(),
            kept_rules: rule_count(&observed.notifications),
        });
        changes.push(Change::Sweep { bucket: target.bucket.clone() });
    }
    Ok(Plan { changes, warnings })
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
        Observed { schema, trigger: Default::default(), clients: vec![client], notifications, warnings: vec![] }
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
}
