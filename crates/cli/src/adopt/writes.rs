//! `--apply`: the plan's changes, in order, each written only after a re-read shows
//! the resource still is what the plan was computed from. First every resource is
//! re-read (so a change made by another tool since the plan stops adopt before any
//! write), then each one again right before its own write.

use aws_sdk_cognitoidentityprovider::types::{AttributeDataType, SchemaAttributeType};

use super::adopt_error::{AdoptError, ResourceKind};
use super::attribute_plan::IDENTITY_ATTRIBUTE_BASE_NAME;
use super::client_update::update_client;
use super::layout_reads::{read_tag_map, read_trust_policy};
use super::layout_writes::{set_tag_map, update_trust_policy};
use super::notification_plan::with_event_bridge;
use super::plan::{Change, Plan};
use super::pool_update::{attach_pre_token_trigger, pool_trigger};
use super::reads::{
    AdoptClients, AdoptTarget, Observed, describe_client, failed, read_notifications, read_pool, read_schema,
};
use super::sweep_start::{SweepStart, start_sweep};

/// What `--apply` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The changes made, in order (the sweep included when it started).
    pub written: Vec<Change>,
    /// The sweep's outcome, when the plan had one.
    pub sweep: Option<SweepStart>,
}

fn changed_since_plan(kind: ResourceKind, id: &str, what: &str) -> AdoptError {
    AdoptError::Conflict {
        kind,
        id: id.to_owned(),
        reason: format!(
            "{what} changed since the plan was read (another tool is changing it); nothing further was written: run adopt again to see a new plan"
        ),
    }
}

/// Re-reads the resource a change touches and compares it with what the plan saw.
async fn ensure_unchanged(
    clients: &AdoptClients,
    target: &AdoptTarget,
    observed: &Observed,
    change: &Change,
) -> Result<(), AdoptError> {
    match change {
        Change::AddIdentityAttribute { pool_id } => {
            if read_schema(clients, pool_id).await? != observed.schema {
                return Err(changed_since_plan(ResourceKind::UserPool, pool_id, "its schema"));
            }
        }
        Change::RestrictClient(client) => {
            let now = describe_client(clients, &target.pool_id, &client.client_id).await?;
            let then = observed.clients.iter().find(|c| c.client_id() == Some(client.client_id.as_str()));
            if then != Some(&now) {
                return Err(changed_since_plan(ResourceKind::AppClient, &client.client_id, "its configuration"));
            }
        }
        Change::EnableEventBridge { bucket, .. } => {
            if read_notifications(clients, bucket).await? != observed.notifications {
                return Err(changed_since_plan(ResourceKind::Bucket, bucket, "its notification configuration"));
            }
        }
        Change::AttachPreTokenTrigger { pool_id, .. } => {
            if pool_trigger(&read_pool(clients, pool_id).await?) != observed.trigger {
                return Err(changed_since_plan(ResourceKind::UserPool, pool_id, "its triggers or feature plan"));
            }
        }
        Change::AllowTagSession { role_name, .. } => {
            let then = observed.layout.as_ref().map(|layout| &layout.role.trust_policy);
            if then != Some(&read_trust_policy(clients, role_name).await?) {
                return Err(changed_since_plan(ResourceKind::Role, role_name, "its trust policy"));
            }
        }
        Change::MapSubTag { identity_pool_id, provider, before, .. } => {
            if &read_tag_map(clients, identity_pool_id, provider).await? != before {
                return Err(changed_since_plan(
                    ResourceKind::IdentityPool,
                    identity_pool_id,
                    &format!("the principal-tag map of provider {provider}"),
                ));
            }
        }
        Change::Sweep { .. } => {}
    }
    Ok(())
}

/// Makes the plan's changes, the sweep last.
pub async fn apply(
    clients: &AdoptClients,
    target: &AdoptTarget,
    observed: &Observed,
    plan: &Plan,
) -> Result<Applied, AdoptError> {
    for change in &plan.changes {
        ensure_unchanged(clients, target, observed, change).await?;
    }
    let mut written = Vec::new();
    let mut sweep = None;
    for change in &plan.changes {
        ensure_unchanged(clients, target, observed, change).await?;
        match change {
            Change::AddIdentityAttribute { pool_id } => add_identity_attribute(clients, pool_id).await?,
            Change::RestrictClient(client) => {
                let described =
                    observed.clients.iter().find(|c| c.client_id() == Some(client.client_id.as_str())).ok_or_else(
                        || changed_since_plan(ResourceKind::AppClient, &client.client_id, "its configuration"),
                    )?;
                update_client(clients, described, client).await?;
            }
            Change::EnableEventBridge { bucket, .. } => {
                clients
                    .s3
                    .put_bucket_notification_configuration()
                    .bucket(bucket)
                    .notification_configuration(with_event_bridge(&observed.notifications))
                    // The rules kept were validated when they were added, and EventBridge has no
                    // destination to validate: a destination broken since then must not block
                    // adopt, and S3 sends no new test events to the team's queues and topics.
                    .skip_destination_validation(true)
                    .send()
                    .await
                    .map_err(failed("s3:PutBucketNotificationConfiguration", ResourceKind::Bucket, bucket))?;
            }
            Change::AttachPreTokenTrigger { pool_id, function_arn } => {
                // Read again just now: an attribute added above is part of what is carried over.
                let described = read_pool(clients, pool_id).await?;
                attach_pre_token_trigger(clients, &described, function_arn).await?;
            }
            // Planned before every map: sessions are tagged only once the role allows it.
            Change::AllowTagSession { role_name, after, .. } => update_trust_policy(clients, role_name, after).await?,
            Change::MapSubTag { identity_pool_id, provider, after, .. } => {
                set_tag_map(clients, identity_pool_id, provider, after).await?
            }
            Change::Sweep { bucket } => {
                // ─── The sweep of existing objects starts here, the last step. ───
                sweep = Some(match start_sweep(clients, target, bucket).await {
                    Ok(run_id) => SweepStart::Started(run_id),
                    Err(AdoptError::SweepNotStarted { reason }) => SweepStart::Pending(reason),
                    Err(other) => return Err(other),
                });
                if !matches!(sweep, Some(SweepStart::Started(_))) {
                    continue;
                }
            }
        }
        written.push(change.clone());
    }
    Ok(Applied { written, sweep })
}

/// AddCustomAttributes `identity_id`, String, mutable.
async fn add_identity_attribute(clients: &AdoptClients, pool_id: &str) -> Result<(), AdoptError> {
    let attribute = SchemaAttributeType::builder()
        .name(IDENTITY_ATTRIBUTE_BASE_NAME)
        .attribute_data_type(AttributeDataType::String)
        .mutable(true)
        .build();
    clients
        .idp
        .add_custom_attributes()
        .user_pool_id(pool_id)
        .custom_attributes(attribute)
        .send()
        .await
        .map_err(failed("cognito-idp:AddCustomAttributes", ResourceKind::UserPool, pool_id))?;
    Ok(())
}
