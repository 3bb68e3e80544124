//! The function's log lines: one JSON line per object event (bucket, key, size, change,
//! sequencer, sub, username, identityId), one per skipped record or message, one per failure. No token ever
//! reaches this function, and no message body is logged. A forgotten user's folder is
//! named by its IdentityId's hash only.

use directory::{ChangeRecorded, ObjectChange};

use crate::error::RecordError;
use crate::folder_job::{FolderJob, FolderJobKind};
use crate::folder_page::PageDone;
use crate::forgotten_folder::ForgottenEvent;
use crate::object_owner::{Attributed, Tagging};
use crate::record_plan::{ObjectToAttribute, SkipReason};
use crate::sub_folder::{SubAttributed, SubObject};

/// The line of an attributed object; `warn` when its tags could not be written.
pub fn log_attributed(object: &ObjectToAttribute, attributed: &Attributed) {
    let event = &object.event;
    let (sub, username) = match &attributed.owner {
        Some(owner) => (Some(owner.sub.as_str()), Some(owner.username.as_str())),
        None => (None, None),
    };
    let tagging = match attributed.tagging {
        Tagging::Written => "written",
        Tagging::Unchanged => "unchanged",
        Tagging::NoRoom { .. } => "no-room",
        Tagging::ObjectGone => "object-gone",
        Tagging::Removal => "none",
    };
    let counted = counted_text(attributed.usage);
    let (change, size) = match event.change {
        ObjectChange::Stored { size } => ("stored", Some(size)),
        ObjectChange::Removed => ("removed", None),
    };
    let sequencer = event.sequencer.short();
    let attribution = if attributed.owner.is_some() { "attributed" } else { "unattributed" };
    let identity_id = object.identity_id.as_str();
    match attributed.tagging {
        Tagging::NoRoom { user_tags } => tracing::warn!(
            bucket = %event.bucket, key = %event.key, size, change, sequencer, sub, username, identityId = identity_id,
            attribution, tagging, counted, user_tags,
            "object counted but not tagged: its own tags leave no room for the owner tags within S3's 10"
        ),
        _ => tracing::info!(
            bucket = %event.bucket, key = %event.key, size, change, sequencer, sub, username, identityId = identity_id,
            attribution, tagging, counted,
            "object {attribution}"
        ),
    }
}

fn counted_text(recorded: ChangeRecorded) -> &'static str {
    match recorded {
        ChangeRecorded::Counted => "counted",
        ChangeRecorded::AlreadyCounted => "already-counted",
        ChangeRecorded::Superseded => "superseded",
        ChangeRecorded::NotLinked => "not-linked",
    }
}

/// The line of a tagged (or removed) `users/<sub>/` object, counted on its folder.
pub fn log_sub_tagged(object: &SubObject, attributed: SubAttributed) {
    let tagging = attributed.tagging;
    let counted = counted_text(attributed.usage);
    let tagging_text = match tagging {
        Tagging::Written => "written",
        Tagging::Unchanged => "unchanged",
        Tagging::NoRoom { .. } => "no-room",
        Tagging::ObjectGone => "object-gone",
        Tagging::Removal => "none",
    };
    let change = if object.created() { "stored" } else { "removed" };
    let (bucket, key) = (&object.event.bucket, &object.event.key);
    let sub = object.sub.as_str();
    match tagging {
        Tagging::NoRoom { user_tags } => tracing::warn!(
            %bucket, %key, change, sub, tagging = tagging_text, counted, user_tags,
            "object counted but not tagged: its own tags leave no room for the owner tag within S3's 10"
        ),
        _ => {
            tracing::info!(%bucket, %key, change, sub, tagging = tagging_text, counted, "object named by its folder's sub")
        }
    }
}

/// The line of a `users/<sub>/` object whose tagging failed (SQS delivers it again).
pub fn log_sub_failed(message_id: Option<&str>, object: &SubObject, error: &RecordError) {
    let sub = object.sub.as_str();
    let (bucket, key) = (&object.event.bucket, &object.event.key);
    tracing::warn!(message_id, %bucket, %key, sub, error = %error, "record failed; SQS will deliver it again");
}

/// The line of a record or message skipped for good.
pub fn log_skipped(message_id: Option<&str>, reason: &dyn std::fmt::Display) {
    tracing::info!(message_id, reason = %reason, "skipped: nothing to attribute, not retried");
}

/// The line of a record skipped by its plan.
pub fn log_skipped_record(message_id: Option<&str>, reason: SkipReason) {
    log_skipped(message_id, &reason);
}

/// The line of a late event of a forgotten user's folder: ignored or its object deleted.
/// The key holds the forgotten IdentityId, personal data now: the line names the bucket,
/// the folder's kind and the IdentityId's SHA-256 (what `forgotten-identity#` is keyed
/// by), never the key or the IdentityId.
pub fn log_forgotten(object: &ObjectToAttribute, event: ForgottenEvent) {
    let bucket = &object.event.bucket;
    let change = match object.event.change {
        ObjectChange::Stored { .. } => "stored",
        ObjectChange::Removed => "removed",
    };
    let identity_id_hash = directory::identity_id_hash(&object.identity_id);
    match event {
        ForgottenEvent::Ignored => tracing::info!(
            %bucket, folder = "private", change, identityIdHash = %identity_id_hash, action = "ignored",
            "late event of a forgotten folder ignored: nothing tagged or counted"
        ),
        ForgottenEvent::Deleted => tracing::info!(
            %bucket, folder = "private", change, identityIdHash = %identity_id_hash, action = "deleted",
            "late event of a forgotten folder: its new object deleted, nothing tagged or counted"
        ),
    }
}

/// The line of a failed record (SQS delivers it again).
pub fn log_failed(message_id: Option<&str>, object: &ObjectToAttribute, error: &RecordError) {
    if let RecordError::ForgottenObject(_) = error {
        let bucket = &object.event.bucket;
        let identity_id_hash = directory::identity_id_hash(&object.identity_id);
        tracing::warn!(
            message_id, %bucket, folder = "private", identityIdHash = %identity_id_hash, error = %error,
            "record of a forgotten folder failed; SQS will deliver it again"
        );
        return;
    }
    let (bucket, key, identity_id) = (&object.event.bucket, &object.event.key, object.identity_id.as_str());
    if error.is_transient() {
        tracing::warn!(message_id, %bucket, %key, identityId = identity_id, error = %error, "record failed; SQS will deliver it again");
    } else {
        tracing::error!(message_id, %bucket, %key, identityId = identity_id, error = %error, "record failed (not transient); SQS will deliver it again, then park it in the dead-letter queue");
    }
}

fn kind_name(job: &FolderJob) -> &'static str {
    match job.kind {
        FolderJobKind::Attribution => "attribution",
        FolderJobKind::Sweep => "sweep",
    }
}

/// The line of a folder job page (what it listed, tagged, counted; whether it went on).
pub fn log_folder_page(message_id: Option<&str>, job: &FolderJob, done: &PageDone) {
    let (kind, bucket, prefix, page) = (kind_name(job), &job.bucket, &job.prefix, job.page);
    match done {
        PageDone::Worked(report) => tracing::info!(
            message_id, kind, %bucket, %prefix, page, run_id = job.run_id.as_deref(),
            listed = report.listed, skipped = report.skipped, tagged = report.tagged, unchanged = report.unchanged,
            no_room = report.no_room, counted = report.counted, known = report.known, next_sent = report.next_sent,
            moved = report.moved.map(|moved| format!("{moved:?}")),
            "folder job page done"
        ),
        PageDone::Duplicate => {
            tracing::info!(message_id, kind, %bucket, %prefix, page, "folder job page done before: a duplicate, nothing done")
        }
        PageDone::Stale => tracing::info!(
            message_id, kind, %bucket, %prefix, page, run_id = job.run_id.as_deref(),
            "folder job page of a run that was replaced or has finished: the job stops here"
        ),
    }
}

/// The line of a failed folder job page (SQS delivers it again).
pub fn log_job_failed(message_id: Option<&str>, job: &FolderJob, error: &RecordError) {
    let (kind, bucket, prefix, page) = (kind_name(job), &job.bucket, &job.prefix, job.page);
    if error.is_transient() {
        tracing::warn!(message_id, kind, %bucket, %prefix, page, error = %error, "folder job page failed; SQS will deliver it again");
    } else {
        tracing::error!(message_id, kind, %bucket, %prefix, page, error = %error, "folder job page failed (not transient); SQS will deliver it again, then park it in the dead-letter queue");
    }
}
