//! The object-owner function's metrics: one EMF line per batch invocation (see the
//! `function-metrics` crate) with the sums over the batch's object events. Each event's
//! result is counted by a pure function ([`BatchTally::add`]); the line carries counts
//! only, never a key, `sub`, user name or IdentityId.

use directory::ChangeRecorded;
use function_metrics::{MetricSet, ProcessMetrics};

use crate::error::RecordError;
use crate::object_owner::ObjectOutcome;

/// The process's metrics writer: installed by the function's `main`, silent elsewhere
/// (tests that call the handler in-process).
pub static METRICS: ProcessMetrics<BatchTally, BATCH_METRICS> = ProcessMetrics::new();

/// How many metrics an object-owner line holds.
pub const BATCH_METRICS: usize = 6;

/// One batch's sums: each object event is exactly one of attributed, unattributed,
/// duplicate, failed or of a forgotten folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchTally {
    /// Counted (and tagged) under the owner the directory names.
    pub attributed: u64,
    /// Counted under the folder's unattributed counters: the directory knows no owner.
    pub unattributed: u64,
    /// Changed nothing: the event was applied before (a redelivery or a duplicate), or a
    /// later write of the same key was applied first (out of order).
    pub duplicate: u64,
    /// Failed: its message goes back to the queue.
    pub failed: u64,
    /// Folder job pages (sweeps and attributions of existing objects) that failed.
    pub folder_pages_failed: u64,
    /// Late events of a forgotten user's folder: neither tagged nor counted (their new
    /// objects deleted with `FORGET_OBJECTS=delete`).
    pub forgotten: u64,
}

impl BatchTally {
    /// Counts one object event's result.
    pub fn add(&mut self, result: &Result<ObjectOutcome, RecordError>) {
        match result {
            Err(_) => self.failed += 1,
            Ok(ObjectOutcome::Forgotten(_)) => self.forgotten += 1,
            Ok(ObjectOutcome::Attributed(done))
                if matches!(done.usage, ChangeRecorded::AlreadyCounted | ChangeRecorded::Superseded) =>
            {
                self.duplicate += 1
            }
            Ok(ObjectOutcome::Attributed(done)) if done.owner.is_some() => self.attributed += 1,
            Ok(ObjectOutcome::Attributed(_)) => self.unattributed += 1,
        }
    }

    /// Counts one folder job page that failed.
    pub fn add_failed_page(&mut self) {
        self.folder_pages_failed += 1;
    }

    /// Writes the batch's line, when the process's writer is installed.
    pub fn record(&self) {
        METRICS.emit(self);
    }
}

impl MetricSet<BATCH_METRICS> for BatchTally {
    const NAMES: [&'static str; BATCH_METRICS] = [
        "ObjectsAttributed",
        "ObjectsUnattributed",
        "ObjectsDuplicate",
        "ObjectsFailed",
        "FolderPagesFailed",
        "ObjectsOfForgottenFolders",
    ];

    fn counts(&self) -> [u64; BATCH_METRICS] {
        [self.attributed, self.unattributed, self.duplicate, self.failed, self.folder_pages_failed, self.forgotten]
    }
}

#[cfg(test)]
mod tests {
    use directory::{DirectoryEntry, IdentityId, UsageAccount};
    use lambda_foundation::UserPoolId;
    use lambda_foundation::aws_failure::AwsFailure;

    use super::*;
    use crate::forgotten_folder::ForgottenEvent;
    use crate::object_owner::{Attributed, Tagging};

    fn attributed(owner: bool, usage: ChangeRecorded) -> Result<ObjectOutcome, RecordError> {
        let identity_id = IdentityId::parse("us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d").unwrap();
        let owner = owner.then(|| DirectoryEntry {
            identity_id: identity_id.clone(),
            user_pool_id: UserPoolId::parse("us-east-1_Pool1").unwrap(),
            sub: "s".into(),
            username: "u".into(),
            linked_at: 1,
            usage: None,
            user_pool_written_at: None,
        });
        let account = if owner.is_some() { UsageAccount::Linked } else { UsageAccount::Unattributed };
        Ok(ObjectOutcome::Attributed(Attributed { owner, tagging: Tagging::Written, usage, account }))
    }

    #[test]
    fn each_event_counts_once_and_the_batch_sums_them() {
        let mut tally = BatchTally::default();
        for result in [
            attributed(true, ChangeRecorded::Counted),
            attributed(true, ChangeRecorded::Counted),
            attributed(false, ChangeRecorded::Counted),
            attributed(true, ChangeRecorded::AlreadyCounted),
            attributed(false, ChangeRecorded::Superseded),
            Err(RecordError::S3(AwsFailure::from_code("PutObjectTagging", "SlowDown"))),
            Ok(ObjectOutcome::Forgotten(ForgottenEvent::Ignored)),
            Ok(ObjectOutcome::Forgotten(ForgottenEvent::Deleted)),
        ] {
            tally.add(&result);
        }
        tally.add_failed_page();
        assert_eq!(tally.counts(), [2, 1, 2, 1, 1, 2]);
        assert_eq!(BatchTally::default().counts(), [0; BATCH_METRICS]);
    }

    /// Values an object event carries that must never reach the metrics line.
    const FORBIDDEN: [&str; 4] = [
        "paula.secret",
        "6f0e8f3a-2b1c-4d5e-8f70-1a2b3c4d5e6f",
        "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6",
        "private/us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6/",
    ];

    #[test]
    fn the_line_of_a_batch_holds_counts_and_the_function_name_only() {
        let line = function_metrics::EmfLine::new::<BatchTally, BATCH_METRICS>("bridge-ObjectOwner-1");
        let owner = DirectoryEntry {
            identity_id: IdentityId::parse(FORBIDDEN[2]).unwrap(),
            user_pool_id: UserPoolId::parse("us-east-1_Pool1").unwrap(),
            sub: FORBIDDEN[1].into(),
            username: FORBIDDEN[0].into(),
            linked_at: 1,
            usage: None,
            user_pool_written_at: None,
        };
        let mut tally = BatchTally::default();
        for usage in [ChangeRecorded::Counted, ChangeRecorded::AlreadyCounted, ChangeRecorded::Superseded] {
            let done = Attributed {
                owner: Some(owner.clone()),
                tagging: Tagging::Written,
                usage,
                account: UsageAccount::Linked,
            };
            tally.add(&Ok(ObjectOutcome::Attributed(done)));
        }
        tally.add(&attributed(false, ChangeRecorded::Counted));
        tally.add(&Err(RecordError::S3(AwsFailure::from_code("PutObjectTagging", "AccessDenied"))));
        tally.add_failed_page();
        tally.add(&Ok(ObjectOutcome::Forgotten(ForgottenEvent::Ignored)));
        let text = line.render(1_765_100_000_000, &tally);
        for value in FORBIDDEN {
            assert!(!text.contains(value), "{value} in {text}");
        }
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        let object = document.as_object().unwrap();
        assert_eq!(object.len(), 2 + BATCH_METRICS, "{text}");
        let counts: Vec<u64> = BatchTally::NAMES.iter().map(|name| object[*name].as_u64().unwrap()).collect();
        assert_eq!(counts, [1, 1, 2, 1, 1, 1]);
    }
}
