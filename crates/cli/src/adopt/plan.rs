//! The plan adopt shows before it writes: each change names its resource and says
//! what it does and why; `--json` prints the same as `{"changes": [...]}`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::adopt_error::ResourceKind;
use super::attribute_plan::IDENTITY_ATTRIBUTE;
use super::client_plan::ClientChange;
use super::notification_plan::PRIVATE_PREFIX;
use super::principal_tag_plan::{SUB_CLAIM, SUB_TAG, TagMap, tag_map_diff};
use super::trust_policy_plan::{StatementChange, TAG_SESSION_ACTION};

/// One change to a resource the team owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// AddCustomAttributes `identity_id` (String, mutable) to the pool.
    AddIdentityAttribute {
        /// The user pool id.
        pool_id: String,
    },
    /// UpdateUserPoolClient with new read/write lists, every other field carried over.
    RestrictClient(ClientChange),
    /// PutBucketNotificationConfiguration with EventBridge on, existing rules kept.
    EnableEventBridge {
        /// The bucket.
        bucket: String,
        /// How many existing Queue/Topic/Lambda rules are kept.
        kept_rules: usize,
    },
    /// UpdateUserPool with the bridge's Pre Token Generation trigger (V2_0), every
    /// other setting and trigger carried over.
    AttachPreTokenTrigger {
        /// The user pool id.
        pool_id: String,
        /// The bridge's function.
        function_arn: String,
    },
    /// UpdateAssumeRolePolicy: `sts:TagSession` added to the Cognito statement(s) of the
    /// authenticated role's trust policy, every other statement and key kept.
    AllowTagSession {
        /// The role's name.
        role_name: String,
        /// The role's ARN.
        role_arn: String,
        /// The statements that gain the action.
        statements: Vec<StatementChange>,
        /// The whole trust policy to write.
        after: Value,
    },
    /// SetPrincipalTagAttributeMap of one user-pool provider: the tag `sub` ← claim `sub`
    /// merged into what the provider's sessions were tagged with.
    MapSubTag {
        /// The identity pool id.
        identity_pool_id: String,
        /// `cognito-idp.<region>.amazonaws.com/<pool>`.
        provider: String,
        /// The map the plan read.
        before: TagMap,
        /// The custom map to write (`UseDefaults` false).
        after: BTreeMap<String, String>,
    },
    /// Count and attribute the objects already under `private/`.
    Sweep {
        /// The bucket.
        bucket: String,
    },
}

impl Change {
    /// The resource's kind and id.
    pub fn resource(&self) -> (ResourceKind, &str) {
        match self {
            Change::AddIdentityAttribute { pool_id } | Change::AttachPreTokenTrigger { pool_id, .. } => {
                (ResourceKind::UserPool, pool_id)
            }
            Change::RestrictClient(change) => (ResourceKind::AppClient, &change.client_id),
            Change::EnableEventBridge { bucket, .. } | Change::Sweep { bucket } => (ResourceKind::Bucket, bucket),
            Change::AllowTagSession { role_name, .. } => (ResourceKind::Role, role_name),
            Change::MapSubTag { identity_pool_id, .. } => (ResourceKind::IdentityPool, identity_pool_id),
        }
    }

    /// The action's short name, as `--json` spells it.
    pub fn action(&self) -> &'static str {
        match self {
            Change::AddIdentityAttribute { .. } => "add-custom-attribute",
            Change::RestrictClient(_) => "restrict-client-attributes",
            Change::EnableEventBridge { .. } => "enable-eventbridge",
            Change::AttachPreTokenTrigger { .. } => "attach-pre-token-trigger",
            Change::AllowTagSession { .. } => "allow-tag-session",
            Change::MapSubTag { .. } => "map-principal-tag",
            Change::Sweep { .. } => "sweep",
        }
    }

    /// What it does, in a sentence.
    pub fn description(&self) -> String {
        match self {
            Change::AddIdentityAttribute { .. } => {
                format!("add the custom attribute {IDENTITY_ATTRIBUTE} (String, mutable) with AddCustomAttributes")
            }
            Change::RestrictClient(change) => {
                let read = match &change.read {
                    Some(list) => format!("ReadAttributes = [{}]", list.join(", ")),
                    None => "ReadAttributes unset (all readable)".to_owned(),
                };
                format!(
                    "UpdateUserPoolClient of {} with WriteAttributes = [{}], {read}; every other setting carried over unchanged",
                    change.client_name,
                    change.write.join(", ")
                )
            }
            Change::EnableEventBridge { kept_rules, .. } => format!(
                "turn on EventBridge delivery (EventBridgeConfiguration: {{}}), keeping its {kept_rules} existing notification rule(s) exactly"
            ),
            Change::AttachPreTokenTrigger { function_arn, .. } => format!(
                "set the pre token generation trigger to {function_arn} (event V2_0) with UpdateUserPool; every other setting and trigger carried over unchanged"
            ),
            Change::AllowTagSession { statements, .. } => format!(
                "add {TAG_SESSION_ACTION} to the trust policy's Cognito statement(s) ({} of them) with UpdateAssumeRolePolicy; every other statement and key kept as it is",
                statements.len()
            ),
            Change::MapSubTag { provider, .. } => format!(
                "map the principal tag \"{SUB_TAG}\" to the claim \"{SUB_CLAIM}\" for provider {provider} with SetPrincipalTagAttributeMap; every other mapping kept"
            ),
            Change::Sweep { .. } => {
                format!(
                    "count the objects already under {PRIVATE_PREFIX} and attribute the folders of known IdentityIds"
                )
            }
        }
    }

    /// The change in detail, one line each (shown under the description): the trust
    /// policy's statements before and after, the tag map as a diff.
    pub fn details(&self) -> Vec<String> {
        match self {
            Change::AllowTagSession { statements, .. } => statements
                .iter()
                .map(|statement| {
                    let sid = statement.sid.as_deref().map(|sid| format!(" (Sid {sid:?})")).unwrap_or_default();
                    let conditions = match statement.conditions.is_empty() {
                        true => "no Condition".to_owned(),
                        false => format!("Condition kept: {}", statement.conditions.join(", ")),
                    };
                    format!(
                        "statement {}{sid}: Action [{}] -> [{}]; {conditions}",
                        statement.index + 1,
                        statement.actions_before.join(", "),
                        statement.actions_after.join(", ")
                    )
                })
                .collect(),
            Change::MapSubTag { before, after, .. } => tag_map_diff(before, after),
            _ => Vec::new(),
        }
    }

    /// Why it is needed.
    pub fn reason(&self) -> String {
        match self {
            Change::AddIdentityAttribute { .. } => {
                format!("the pool has no {IDENTITY_ATTRIBUTE}; the bridge writes each user's IdentityId there")
            }
            Change::RestrictClient(change) => change.reasons.join("; "),
            Change::EnableEventBridge { .. } => {
                "the bridge receives the bucket's object events through EventBridge (a rule sends them to its queue)"
                    .to_owned()
            }
            Change::AttachPreTokenTrigger { .. } => {
                "the pool has no pre token generation trigger; this one copies custom:identity_id into both tokens as identity_id, so APIs with API Gateway's own JWT or Cognito authorizer see the IdentityId"
                    .to_owned()
            }
            Change::AllowTagSession { .. } => format!(
                "Cognito tags each session with the user's sub (folder layout sub/both), which STS allows only with {TAG_SESSION_ACTION} in the role's trust policy; made before the tag map, so that no sign-in is refused in between"
            ),
            Change::MapSubTag { .. } => format!(
                "the stack's SubFolderPolicy grants users/${{aws:PrincipalTag/{SUB_TAG}}}/*: without the tag the users' sessions match none of it"
            ),
            Change::Sweep { .. } => {
                "objects stored before the bridge existed sent no event: without a sweep they are never counted"
                    .to_owned()
            }
        }
    }

    /// The change as one `changes[]` entry of `--json`.
    pub fn to_json(&self) -> Value {
        let (kind, id) = self.resource();
        let mut entry = json!({
            "resource": {"kind": kind.as_str(), "id": id},
            "action": self.action(),
            "description": self.description(),
            "reason": self.reason(),
        });
        if let Change::AttachPreTokenTrigger { function_arn, .. } = self {
            entry["functionArn"] = json!(function_arn);
            entry["lambdaVersion"] = json!(super::trigger_plan::TRIGGER_VERSION);
        }
        if let Change::AllowTagSession { role_arn, statements, after, .. } = self {
            entry["roleArn"] = json!(role_arn);
            entry["statements"] = statements
                .iter()
                .map(|s| json!({"index": s.index, "sid": s.sid, "actionsBefore": s.actions_before, "actionsAfter": s.actions_after}))
                .collect();
            entry["trustPolicyAfter"] = after.clone();
        }
        if let Change::MapSubTag { provider, before, after, .. } = self {
            entry["provider"] = json!(provider);
            entry["before"] = json!({"useDefaults": before.use_defaults, "principalTags": before.tags});
            entry["after"] = json!({"useDefaults": false, "principalTags": after});
            entry["diff"] = json!(self.details());
        }
        if let Change::RestrictClient(change) = self {
            entry["resource"]["name"] = json!(change.client_name);
            entry["writeAttributes"] = json!(change.write);
            entry["readAttributes"] = json!(change.read);
        }
        entry
    }
}

/// Every change, in the order apply makes them, and what the reads warned about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// In apply order: the attribute, the clients, the trigger, the bucket, the sweep last.
    pub changes: Vec<Change>,
    /// Things worth knowing that change nothing (a client the identity pool does not list, …).
    pub warnings: Vec<String>,
    /// What was checked and needs no change (a trust policy that already allows
    /// `sts:TagSession`, a map that already has the tag), one line each.
    pub unchanged: Vec<String>,
}

impl Plan {
    /// The plan as text: one numbered block per change, or a line saying nothing is to change.
    pub fn render(&self, heading: &str) -> String {
        let mut text = String::new();
        for warning in &self.warnings {
            text.push_str(&format!("warning: {warning}\n"));
        }
        for line in &self.unchanged {
            text.push_str(&format!("no change: {line}\n"));
        }
        if self.changes.is_empty() {
            text.push_str("nothing to change: the pool, its clients and the bucket are adopted\n");
            return text;
        }
        text.push_str(&format!("{heading} ({} change(s)):\n", self.changes.len()));
        for (index, change) in self.changes.iter().enumerate() {
            let (kind, id) = change.resource();
            text.push_str(&format!("{}. {} {id}: {}\n", index + 1, kind.words(), change.description()));
            for line in change.details() {
                text.push_str(&format!("     {line}\n"));
            }
            text.push_str(&format!("   why: {}\n", change.reason()));
        }
        text
    }

    /// `{"changes": [...], "warnings": [...]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "changes": self.changes.iter().map(Change::to_json).collect::<Vec<_>>(),
            "warnings": self.warnings,
            "unchanged": self.unchanged,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_change_names_its_resource_and_why() {
        let plan = Plan {
            changes: vec![
                Change::AddIdentityAttribute { pool_id: "us-east-1_a".into() },
                Change::EnableEventBridge { bucket: "b".into(), kept_rules: 1 },
                Change::Sweep { bucket: "b".into() },
            ],
            warnings: vec![],
            unchanged: vec![],
        };
        let json = plan.to_json();
        assert_eq!(json["changes"][0]["resource"], json!({"kind": "user-pool", "id": "us-east-1_a"}));
        assert_eq!(json["changes"][1]["action"], "enable-eventbridge");
        assert_eq!(json["changes"][2]["resource"]["kind"], "bucket");
        let text = plan.render("plan");
        assert!(text.starts_with("plan (3 change(s)):\n1. user pool us-east-1_a: add the custom attribute"), "{text}");
        assert!(text.contains("   why: the pool has no custom:identity_id"));
    }

    #[test]
    fn an_empty_plan_says_so() {
        let plan = Plan { changes: vec![], warnings: vec!["client c is not listed".into()], unchanged: vec![] };
        assert_eq!(
            plan.render("plan"),
            "warning: client c is not listed\nnothing to change: the pool, its clients and the bucket are adopted\n"
        );
        assert_eq!(plan.to_json()["changes"], json!([]));
    }
}
