//! One page of a folder job ([`crate::folder_job`]), worked: list up to 1,000 keys, read
//! their folders' owners in batch, tag the objects of known owners (bounded
//! concurrency), count every object through the usage ledger as a put that happened
//! before any event S3 sent (the lowest sequencer: a key the live pipeline has seen is
//! left as it is, and a repeat changes nothing), send the next page's message, record the
//! sweep's progress, and at the end of an attribution move the folder's unattributed
//! counters to the user. Every step is safe to repeat, so a failed page is simply
//! delivered again.

use aws_sdk_s3::Client as S3Client;
use aws_sdk_sqs::Client as SqsClient;
use directory::{
    ChangeRecorded, DirectoryError, ObjectChange, ObjectChangeEvent, PageStatus, Sequencer, UsageAccount, UsageChange,
    UsageMoved,
};
use lambda_foundation::aws_failure::AwsFailure;

use crate::error::RecordError;
use crate::folder_job::{FolderJob, FolderJobKind, FolderObject, ListedObject, folder_objects, page_counts};
use crate::object_owner::{ObjectOwner, Tagging};
use crate::owner_tags::owner_tags;

/// Changes handed to the usage ledger at once: each adds a marker to its counter item's
/// update, and DynamoDB caps an expression at 4 KB (about 100 `attribute_not_exists`).
pub const LEDGER_CHUNK: usize = 100;

/// The sequencer of a listed object: below any S3 gives, so that an event of the key
/// always comes after it.
pub fn listed_sequencer() -> Sequencer {
    Sequencer::parse("0").unwrap_or_else(|_| unreachable!("\"0\" is hexadecimal"))
}

/// What one page did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageDone {
    /// The page was worked.
    Worked(PageReport),
    /// A sweep page done before (a duplicate message): nothing was done.
    Duplicate,
    /// A page of a sweep run that was replaced or has finished: the chain stops.
    Stale,
}

/// The counts of a worked page, for its log line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageReport {
    /// Keys listed.
    pub listed: usize,
    /// Keys outside any `private/<IdentityId>/` folder (skipped).
    pub skipped: usize,
    /// Objects whose tags were written.
    pub tagged: usize,
    /// Objects whose tags were already right.
    pub unchanged: usize,
    /// Objects whose own tags leave no room for the owner's.
    pub no_room: usize,
    /// Objects counted now.
    pub counted: usize,
    /// Objects the ledger knew already (seen by the live pipeline or counted before).
    pub known: usize,
    /// Whether a next page was sent.
    pub next_sent: bool,
    /// What the move of the unattributed counters did (last page of an attribution).
    pub moved: Option<UsageMoved>,
}

/// The folder jobs of one function instance: the clients and settings they need.
#[derive(Debug, Clone)]
pub struct FolderJobs {
    owner: ObjectOwner,
    sqs: SqsClient,
    queue_url: String,
    bucket: String,
    tagging_concurrency: usize,
    page_size: i32,
}

impl FolderJobs {
    /// Jobs that tag and count through `owner`, send their next pages to `queue_url`, and
    /// attribute folders of `bucket` when links are recorded.
    pub fn new(
        owner: ObjectOwner,
        sqs: SqsClient,
        queue_url: impl Into<String>,
        bucket: impl Into<String>,
        tagging_concurrency: usize,
    ) -> Self {
        FolderJobs {
            owner,
            sqs,
            queue_url: queue_url.into(),
            bucket: bucket.into(),
            tagging_concurrency: tagging_concurrency.max(1),
            page_size: crate::folder_job::PAGE_SIZE,
        }
    }

    /// The same jobs listing `page_size` keys per page (1 to 1,000).
    pub fn with_page_size(self, page_size: i32) -> Self {
        FolderJobs { page_size: page_size.clamp(1, crate::folder_job::PAGE_SIZE), ..self }
    }

    /// The bucket whose folders are attributed when their links are recorded.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Works one page of `job` at `now` (Unix seconds); `redelivered` when SQS delivered
    /// its message before.
    pub async fn work(&self, job: &FolderJob, redelivered: bool, now: u64) -> Result<PageDone, RecordError> {
        let directory = self.owner.directory();
        let run_id = job.run_id.as_deref().unwrap_or_default();
        if job.kind == FolderJobKind::Sweep {
            let progress = directory.sweep_progress(&job.bucket).await?;
            match directory::page_status(progress.as_ref(), run_id, job.page) {
                PageStatus::Next => {}
                PageStatus::Done => return Ok(PageDone::Duplicate),
                PageStatus::Stale => return Ok(PageDone::Stale),
            }
        }
        let (listed, next_token) = list_page(self.owner.s3(), job, self.page_size).await?;
        let (objects, skipped) = folder_objects(&listed);
        let ids: Vec<_> = objects.iter().map(|object| object.identity_id.clone()).collect();
        let owners = directory.get_many_by_identity_id(&ids).await?;
        let mut report = PageReport { listed: listed.len(), skipped, ..PageReport::default() };

        self.tag_known(job, &objects, &owners, &mut report).await?;
        self.count(job, &objects, &owners, redelivered, now, &mut report).await?;

        let (counts, ends_in) = page_counts(&objects, &owners, job.last_folder.as_deref());
        // The next page goes out before anything marks this one done: a failure from here
        // on repeats the page (and may send its successor twice, which the successor's
        // own checks absorb), never loses the chain.
        if let Some(token) = next_token {
            let next = job.next(token, ends_in);
            self.sqs
                .send_message()
                .queue_url(&self.queue_url)
                .message_body(next.to_body())
                .send()
                .await
                .map_err(|error| RecordError::Queue(AwsFailure::from_sdk_error("SendMessage", &error)))?;
            report.next_sent = true;
        }
        match job.kind {
            FolderJobKind::Sweep => {
                let finished = (!report.next_sent).then_some(now);
                match directory.record_sweep_page(&job.bucket, run_id, job.page, counts, finished).await? {
                    PageStatus::Next => {}
                    PageStatus::Done => return Ok(PageDone::Duplicate),
                    PageStatus::Stale => return Ok(PageDone::Stale),
                }
            }
            FolderJobKind::Attribution if !report.next_sent => {
                let Some(identity_id) = job.identity_id() else { return Ok(PageDone::Stale) };
                let moved = directory.move_unattributed_usage(&identity_id).await?;
                if moved == UsageMoved::InFlight {
                    return Err(RecordError::MoveWaiting);
                }
                report.moved = Some(moved);
            }
            FolderJobKind::Attribution => {}
        }
        Ok(PageDone::Worked(report))
    }

    /// Tags the objects of known owners, at most `tagging_concurrency` calls at once.
    async fn tag_known(
        &self,
        job: &FolderJob,
        objects: &[FolderObject],
        owners: &directory::Owners,
        report: &mut PageReport,
    ) -> Result<(), RecordError> {
        let mut tagging = tokio::task::JoinSet::new();
        let mut first_error = None;
        let mut record = |tagged: Result<Tagging, RecordError>, report: &mut PageReport| match tagged {
            Ok(Tagging::Written) => report.tagged += 1,
            Ok(Tagging::Unchanged) => report.unchanged += 1,
            Ok(Tagging::NoRoom { .. }) => report.no_room += 1,
            Ok(Tagging::ObjectGone | Tagging::Removal) => {}
            Err(error) => {
                first_error.get_or_insert(error);
            }
        };
        for object in objects {
            let Some(Some(owner)) = owners.get(&object.identity_id) else { continue };
            while tagging.len() >= self.tagging_concurrency {
                if let Some(joined) = tagging.join_next().await {
                    record(joined.unwrap_or_else(|_| Err(task_failed())), report);
                }
            }
            let ours = owner_tags(&object.identity_id, Some(owner));
            let (this, bucket, key) = (self.owner.clone(), job.bucket.clone(), object.object.key.clone());
            tagging.spawn(async move { this.tag_object(&bucket, &key, &ours).await });
        }
        while let Some(joined) = tagging.join_next().await {
            record(joined.unwrap_or_else(|_| Err(task_failed())), report);
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Counts every object as listed, in chunks the ledger's expressions can hold; an
    /// owner whose link vanished meanwhile is counted as unattributed.
    async fn count(
        &self,
        job: &FolderJob,
        objects: &[FolderObject],
        owners: &directory::Owners,
        redelivered: bool,
        now: u64,
        report: &mut PageReport,
    ) -> Result<(), RecordError> {
        let directory = self.owner.directory();
        let changes: Vec<UsageChange> = objects
            .iter()
            .map(|object| UsageChange {
                identity_id: object.identity_id.clone(),
                account: match owners.get(&object.identity_id) {
                    Some(Some(_)) => UsageAccount::Linked,
                    _ => UsageAccount::Unattributed,
                },
                event: ObjectChangeEvent {
                    bucket: job.bucket.clone(),
                    key: object.object.key.clone(),
                    sequencer: listed_sequencer(),
                    change: ObjectChange::Stored { size: object.object.size },
                },
                redelivered,
            })
            .collect();
        for chunk in changes.chunks(LEDGER_CHUNK) {
            let mut not_linked = Vec::new();
            for (change, recorded) in chunk.iter().zip(Box::pin(directory.record_usage_changes(chunk, now)).await) {
                match recorded? {
                    ChangeRecorded::Counted => report.counted += 1,
                    ChangeRecorded::AlreadyCounted | ChangeRecorded::Superseded => report.known += 1,
                    ChangeRecorded::NotLinked => {
                        not_linked.push(UsageChange { account: UsageAccount::Unattributed, ..change.clone() })
                    }
                }
            }
            if !not_linked.is_empty() {
                for recorded in Box::pin(directory.record_usage_changes(&not_linked, now)).await {
                    match recorded? {
                        ChangeRecorded::Counted => report.counted += 1,
                        _ => report.known += 1,
                    }
                }
            }
        }
        Ok(())
    }
}

fn task_failed() -> RecordError {
    RecordError::Directory(DirectoryError::Unavailable { code: "TaskFailed".into() })
}

/// One `ListObjectsV2` page of the job's prefix: its objects and the next page's token.
async fn list_page(
    s3: &S3Client,
    job: &FolderJob,
    page_size: i32,
) -> Result<(Vec<ListedObject>, Option<String>), RecordError> {
    let output = s3
        .list_objects_v2()
        .bucket(&job.bucket)
        .prefix(&job.prefix)
        .max_keys(page_size)
        .set_continuation_token(job.continuation_token.clone())
        .send()
        .await
        .map_err(|error| RecordError::S3(AwsFailure::from_sdk_error("ListObjectsV2", &error)))?;
    let listed = output
        .contents()
        .iter()
        .filter_map(|object| {
            Some(ListedObject { key: object.key()?.to_owned(), size: u64::try_from(object.size().unwrap_or(0)).ok()? })
        })
        .collect();
    let next = match output.is_truncated() {
        Some(true) => output.next_continuation_token().map(str::to_owned),
        _ => None,
    };
    Ok((listed, next))
}
