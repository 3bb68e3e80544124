//! Folder jobs: one page of a folder's listing per message, the next page's message sent
//! by the page before. One mechanism for two uses:
//!
//! - *attribution* of `private/<IdentityId>/` when a link for it is recorded (the
//!   directory's stream tells, through EventBridge Pipes): the old objects get their
//!   owner tags, are counted, and at the end the folder's unattributed counters move to
//!   the user;
//! - the *sweep* of `private/` (every folder), started by `cognito-bridge sweep`, whose
//!   progress lives on the directory's `sweep#<bucket>` item.
//!
//! This file is the message (plain data, its JSON form) and the pure decisions about a
//! page; the calls are in [`crate::folder_page`].

use std::collections::BTreeSet;

use directory::{IdentityId, Owners, PRIVATE_PREFIX, SweepPageCounts, identity_id_from_object_key};
use serde::{Deserialize, Serialize};

/// The field that marks a message body as a folder job of ours: `{"folderJob": {…}}`.
pub const FOLDER_JOB_FIELD: &str = "folderJob";
/// Keys listed per page: `ListObjectsV2`'s maximum.
pub const PAGE_SIZE: i32 = 1000;

/// Which of the two uses a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FolderJobKind {
    /// One folder, when its link is recorded: tag, count, then move its unattributed usage.
    Attribution,
    /// Every folder under `private/`: tag what has an owner, count everything.
    Sweep,
}

/// One page of a job, as the message carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderJob {
    /// Attribution or sweep.
    pub kind: FolderJobKind,
    /// The bucket listed.
    pub bucket: String,
    /// `private/<IdentityId>/` (attribution) or `private/` (sweep).
    pub prefix: String,
    /// The sweep run this page belongs to (sweeps only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The page's number, 0 for the first.
    pub page: u64,
    /// `ListObjectsV2`'s continuation token of this page (none for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    /// The folder of the previous page's last key, so that a folder spanning two pages
    /// counts once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_folder: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    #[serde(rename = "folderJob")]
    folder_job: FolderJob,
}

/// Why a folder job message is refused (and skipped: no retry can fix it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FolderJobError {
    /// Not the job's JSON shape.
    #[error("the folder job message is malformed")]
    Malformed,
    /// The bucket name is empty or holds `#`.
    #[error("the folder job names no usable bucket")]
    Bucket,
    /// The prefix is neither `private/` (sweep) nor `private/<IdentityId>/` (attribution).
    #[error("the folder job's prefix does not fit its kind")]
    Prefix,
    /// A sweep page without its run id.
    #[error("a sweep page must name its run")]
    NoRun,
}

impl FolderJob {
    /// The first page of the attribution of `identity_id`'s folder in `bucket`.
    pub fn attribution(bucket: &str, identity_id: &IdentityId) -> FolderJob {
        FolderJob {
            kind: FolderJobKind::Attribution,
            bucket: bucket.to_owned(),
            prefix: format!("{PRIVATE_PREFIX}{identity_id}/"),
            run_id: None,
            page: 0,
            continuation_token: None,
            last_folder: None,
        }
    }

    /// The first page of sweep run `run_id` of `bucket`.
    pub fn sweep(bucket: &str, run_id: &str) -> FolderJob {
        FolderJob {
            kind: FolderJobKind::Sweep,
            bucket: bucket.to_owned(),
            prefix: PRIVATE_PREFIX.to_owned(),
            run_id: Some(run_id.to_owned()),
            page: 0,
            continuation_token: None,
            last_folder: None,
        }
    }

    /// The message of the page after this one.
    pub fn next(&self, continuation_token: String, last_folder: Option<String>) -> FolderJob {
        FolderJob {
            page: self.page + 1,
            continuation_token: Some(continuation_token),
            last_folder: last_folder.or_else(|| self.last_folder.clone()),
            ..self.clone()
        }
    }

    /// The attributed folder's IdentityId (attribution jobs only).
    pub fn identity_id(&self) -> Option<IdentityId> {
        let rest = self.prefix.strip_prefix(PRIVATE_PREFIX)?.strip_suffix('/')?;
        IdentityId::parse(rest).ok()
    }

    /// The message body: `{"folderJob": {…}}`.
    pub fn to_body(&self) -> String {
        serde_json::to_string(&Envelope { folder_job: self.clone() }).unwrap_or_default()
    }

    /// Reads and checks a job from the message body's JSON.
    pub fn from_value(value: serde_json::Value) -> Result<FolderJob, FolderJobError> {
        let job = serde_json::from_value::<Envelope>(value).map_err(|_| FolderJobError::Malformed)?.folder_job;
        if job.bucket.is_empty() || job.bucket.contains('#') {
            return Err(FolderJobError::Bucket);
        }
        match job.kind {
            FolderJobKind::Sweep if job.prefix != PRIVATE_PREFIX => Err(FolderJobError::Prefix),
            FolderJobKind::Sweep if job.run_id.as_deref().is_none_or(str::is_empty) => Err(FolderJobError::NoRun),
            FolderJobKind::Attribution if job.identity_id().is_none() => Err(FolderJobError::Prefix),
            _ => Ok(job),
        }
    }
}

/// One listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    /// Its key, as S3 stores it.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A listed object of a folder, with its folder's IdentityId.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderObject {
    /// The folder's IdentityId.
    pub identity_id: IdentityId,
    /// The object.
    pub object: ListedObject,
}

/// A page's objects sorted out: those under a folder, and how many are not (a key such
/// as `private/readme.txt` or `private/not-an-id/x`: nobody's folder, skipped).
pub fn folder_objects(listed: &[ListedObject]) -> (Vec<FolderObject>, usize) {
    let mut objects = Vec::with_capacity(listed.len());
    for object in listed {
        if let Ok(identity_id) = identity_id_from_object_key(&object.key) {
            objects.push(FolderObject { identity_id, object: object.clone() });
        }
    }
    let skipped = listed.len() - objects.len();
    (objects, skipped)
}

/// What a page counts for the sweep's progress, given its objects, their owners and the
/// folder the previous page ended in; and the folder this page ends in.
pub fn page_counts(
    objects: &[FolderObject],
    owners: &Owners,
    last_folder: Option<&str>,
) -> (SweepPageCounts, Option<String>) {
    let mut counts = SweepPageCounts::default();
    let mut folders = BTreeSet::new();
    for object in objects {
        folders.insert(object.identity_id.as_str());
        counts.objects += 1;
        counts.bytes += object.object.size;
        match owners.get(&object.identity_id) {
            Some(Some(_)) => counts.attributed += 1,
            _ => counts.unattributed += 1,
        }
    }
    counts.folders = folders.len() as u64;
    if last_folder.is_some_and(|last| folders.contains(last)) {
        counts.folders -= 1;
    }
    let ends_in = objects.last().map(|object| object.identity_id.to_string());
    (counts, ends_in)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const ID: &str = "us-east-1:0f0c7e2a-1111-4222-8333-444455556666";
    const OTHER: &str = "us-east-1:1f0c7e2a-1111-4222-8333-444455556666";

    fn id(text: &str) -> IdentityId {
        IdentityId::parse(text).unwrap()
    }

    #[test]
    fn jobs_round_trip_through_their_message() {
        let job = FolderJob::attribution("b-1", &id(ID));
        assert_eq!(job.prefix, format!("private/{ID}/"));
        assert_eq!(job.identity_id(), Some(id(ID)));
        let next = job.next("token-1".into(), Some(ID.into()));
        assert_eq!((next.page, next.continuation_token.as_deref()), (1, Some("token-1")));
        let body = next.to_body();
        assert!(body.starts_with(r#"{"folderJob":{"kind":"attribution""#), "{body}");
        assert_eq!(FolderJob::from_value(serde_json::from_str(&body).unwrap()), Ok(next));
        let sweep = FolderJob::sweep("b-1", "run-1");
        assert_eq!(FolderJob::from_value(serde_json::from_str(&sweep.to_body()).unwrap()), Ok(sweep));
    }

    #[test]
    fn jobs_that_do_not_fit_their_kind_are_refused() {
        let read = |value: serde_json::Value| FolderJob::from_value(value);
        let mut sweep = serde_json::to_value(Envelope { folder_job: FolderJob::sweep("b-1", "r") }).unwrap();
        sweep["folderJob"]["prefix"] = "private/x/".into();
        assert_eq!(read(sweep.clone()), Err(FolderJobError::Prefix));
        sweep["folderJob"]["prefix"] = "private/".into();
        sweep["folderJob"]["runId"] = serde_json::Value::Null;
        assert_eq!(read(sweep.clone()), Err(FolderJobError::NoRun));
        sweep["folderJob"]["bucket"] = "a#b".into();
        assert_eq!(read(sweep), Err(FolderJobError::Bucket));
        let mut attribution =
            serde_json::to_value(Envelope { folder_job: FolderJob::attribution("b", &id(ID)) }).unwrap();
        attribution["folderJob"]["prefix"] = "private/".into();
        assert_eq!(read(attribution), Err(FolderJobError::Prefix));
        assert_eq!(read(serde_json::json!({"folderJob": {"kind": "other"}})), Err(FolderJobError::Malformed));
    }

    #[test]
    fn a_page_counts_its_objects_and_a_folder_spanning_pages_once() {
        let listed: Vec<ListedObject> = [
            format!("private/{ID}/a"),
            format!("private/{ID}/b c"),
            "private/readme.txt".into(),
            format!("private/{OTHER}/x"),
        ]
        .into_iter()
        .enumerate()
        .map(|(n, key)| ListedObject { key, size: n as u64 + 1 })
        .collect();
        let (objects, skipped) = folder_objects(&listed);
        assert_eq!((objects.len(), skipped), (3, 1));
        let owners: Owners = HashMap::from([(id(ID), None), (id(OTHER), None)]);
        let (counts, ends_in) = page_counts(&objects, &owners, None);
        assert_eq!(
            counts,
            SweepPageCounts { folders: 2, objects: 3, bytes: 1 + 2 + 4, attributed: 0, unattributed: 3 }
        );
        assert_eq!(ends_in.as_deref(), Some(OTHER));
        let (counts, _) = page_counts(&objects, &owners, Some(ID));
        assert_eq!(counts.folders, 1, "the first folder continued from the previous page");
    }
}
