//! Step 3 of adopt, decided over the bucket's notification configuration: turn on
//! S3's EventBridge delivery and keep every Queue, Topic and Lambda configuration
//! exactly as it is, since PutBucketNotificationConfiguration replaces the whole
//! configuration (API reference: "This action replaces the existing notification
//! configuration with the configuration you include in the request body").
//!
//! The bridge's EventBridge rule sends `private/` object events to its queue. An
//! existing S3 notification that already sends `private/` events to that queue would
//! deliver each event twice: that is a conflict, reported with the rule ids.

use aws_sdk_s3::types::{
    Event, EventBridgeConfiguration, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
};

use super::adopt_error::{AdoptError, ResourceKind};

/// The prefix of the folders the bridge attributes.
pub const PRIVATE_PREFIX: &str = "private/";

/// One existing notification rule, reduced to what overlap depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    id: String,
    target: String,
    events: Vec<String>,
    prefix: String,
}

fn prefix_of(filter: Option<&NotificationConfigurationFilter>) -> String {
    filter
        .and_then(|filter| filter.key())
        .map(|key| key.filter_rules())
        .unwrap_or_default()
        .iter()
        .find(|rule| rule.name() == Some(&FilterRuleName::Prefix))
        .and_then(|rule| rule.value())
        .unwrap_or_default()
        .to_owned()
}

fn rule(id: Option<&str>, target: &str, events: &[Event], filter: Option<&NotificationConfigurationFilter>) -> Rule {
    Rule {
        id: id.unwrap_or("(no id)").to_owned(),
        target: target.to_owned(),
        events: events.iter().map(|event| event.as_str().to_owned()).collect(),
        prefix: prefix_of(filter),
    }
}

fn rules(config: &NotificationConfiguration) -> Vec<Rule> {
    let queues = config.queue_configurations().iter().map(|q| rule(q.id(), q.queue_arn(), q.events(), q.filter()));
    let topics = config.topic_configurations().iter().map(|t| rule(t.id(), t.topic_arn(), t.events(), t.filter()));
    let lambdas = config
        .lambda_function_configurations()
        .iter()
        .map(|l| rule(l.id(), l.lambda_function_arn(), l.events(), l.filter()));
    queues.chain(topics).chain(lambdas).collect()
}

/// Whether a rule with key prefix `prefix` can match a key under `private/`.
fn covers_private_folders(prefix: &str) -> bool {
    prefix.starts_with(PRIVATE_PREFIX) || PRIVATE_PREFIX.starts_with(prefix)
}

/// Whether a rule sends created or removed object events (the ones the bridge counts).
fn sends_object_events(events: &[String]) -> bool {
    events.iter().any(|event| event.starts_with("s3:ObjectCreated:") || event.starts_with("s3:ObjectRemoved:"))
}

/// Whether the bucket needs EventBridge turned on (`true`) or has it (`false`); an
/// existing rule that already sends `private/` object events to `bridge_queue_arn` is a
/// conflict naming the rule ids.
pub fn needs_event_bridge(
    bucket: &str,
    config: &NotificationConfiguration,
    bridge_queue_arn: Option<&str>,
) -> Result<bool, AdoptError> {
    if let Some(queue) = bridge_queue_arn {
        let overlapping: Vec<String> = rules(config)
            .into_iter()
            .filter(|rule| {
                rule.target == queue && covers_private_folders(&rule.prefix) && sends_object_events(&rule.events)
            })
            .map(|rule| rule.id)
            .collect();
        if !overlapping.is_empty() {
            return Err(AdoptError::Conflict {
                kind: ResourceKind::Bucket,
                id: bucket.to_owned(),
                reason: format!(
                    "notification rule(s) {} already send {PRIVATE_PREFIX} object events to the bridge's queue {queue}; with EventBridge on, each event would arrive twice: remove them first",
                    overlapping.join(", ")
                ),
            });
        }
    }
    Ok(config.event_bridge_configuration().is_none())
}

/// The configuration to PUT: the one read, every rule kept as it is, EventBridge on.
pub fn with_event_bridge(config: &NotificationConfiguration) -> NotificationConfiguration {
    let mut merged = config.clone();
    merged.event_bridge_configuration = Some(EventBridgeConfiguration::builder().build());
    merged
}

/// How many Queue, Topic and Lambda rules a configuration has, for the plan's text.
pub fn rule_count(config: &NotificationConfiguration) -> usize {
    rules(config).len()
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::types::{FilterRule, QueueConfiguration, S3KeyFilter, TopicConfiguration};

    use super::*;

    const BRIDGE_QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:bridge-object-events";

    fn filter(prefix: &str) -> NotificationConfigurationFilter {
        let rule = FilterRule::builder().name(FilterRuleName::Prefix).value(prefix).build();
        NotificationConfigurationFilter::builder().key(S3KeyFilter::builder().filter_rules(rule).build()).build()
    }

    fn queue(id: &str, arn: &str, prefix: Option<&str>) -> QueueConfiguration {
        let mut builder = QueueConfiguration::builder().id(id).queue_arn(arn).events(Event::S3ObjectCreated);
        if let Some(prefix) = prefix {
            builder = builder.filter(filter(prefix));
        }
        builder.build().unwrap()
    }

    fn config(queues: Vec<QueueConfiguration>) -> NotificationConfiguration {
        let topic = TopicConfiguration::builder()
            .id("audit")
            .topic_arn("arn:aws:sns:us-east-1:123456789012:audit")
            .events(Event::S3ObjectRemoved)
            .build()
            .unwrap();
        NotificationConfiguration::builder().set_queue_configurations(Some(queues)).topic_configurations(topic).build()
    }

    #[test]
    fn event_bridge_is_added_and_every_rule_kept_exactly() {
        let before = config(vec![queue("uploads", "arn:aws:sqs:us-east-1:123456789012:uploads", Some("uploads/"))]);
        assert_eq!(needs_event_bridge("b", &before, Some(BRIDGE_QUEUE)), Ok(true));
        let after = with_event_bridge(&before);
        assert_eq!(after.queue_configurations(), before.queue_configurations());
        assert_eq!(after.topic_configurations(), before.topic_configurations());
        assert!(after.event_bridge_configuration().is_some());
        assert_eq!(needs_event_bridge("b", &after, Some(BRIDGE_QUEUE)), Ok(false), "a second run changes nothing");
        assert_eq!(rule_count(&after), 2);
    }

    #[test]
    fn rules_sending_private_events_to_the_bridge_queue_are_named() {
        let overlapping = config(vec![
            queue("all", BRIDGE_QUEUE, None),
            queue("priv", BRIDGE_QUEUE, Some("private/us-east-1")),
            queue("other-folder", BRIDGE_QUEUE, Some("uploads/")),
            queue("their-queue", "arn:aws:sqs:us-east-1:123456789012:theirs", Some("private/")),
        ]);
        let err = needs_event_bridge("b", &overlapping, Some(BRIDGE_QUEUE)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("rule(s) all, priv already send"), "{text}");
        assert!(matches!(err, AdoptError::Conflict { kind: ResourceKind::Bucket, .. }));
        assert_eq!(needs_event_bridge("b", &overlapping, None), Ok(true), "without the queue's ARN nothing is ours");
    }

    #[test]
    fn prefixes_overlap_the_private_folders_either_way() {
        assert!(covers_private_folders(""));
        assert!(covers_private_folders("priv"));
        assert!(covers_private_folders("private/abc/"));
        assert!(!covers_private_folders("public/"));
    }
}
