//! A sweep's progress, on its own directory item `sweep#<bucket>` (see [`crate::schema`]):
//! which run is current, how many pages of the bucket's `private/` listing it has done,
//! and what they held. The function that works a page adds that page's counts under the
//! condition that the item is at that page of that run, so a duplicated page message
//! adds nothing, and a page of a replaced run (a restart) stops its chain.

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{DirectoryError, classify_sdk_error};
use crate::identity_directory::IdentityDirectory;
use crate::schema::{self, Item};

/// A sweep run as its item holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepProgress {
    /// The run's id (each start gets a new one).
    pub run_id: String,
    /// Pages of the listing done (one page: up to 1,000 keys).
    pub pages: u64,
    /// Folders (`private/<IdentityId>/`) seen.
    pub folders: u64,
    /// Objects listed.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Objects whose folder has a known owner (tagged, counted on the user).
    pub attributed: u64,
    /// Objects whose owner nobody knows (counted on `unattributed#`).
    pub unattributed: u64,
    /// When the run started, Unix seconds.
    pub started_at: u64,
    /// When its last page was done, Unix seconds; `None` while it runs.
    pub finished_at: Option<u64>,
}

/// One page's counts, added to the run's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepPageCounts {
    /// Folders that start on this page.
    pub folders: u64,
    /// Objects listed.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Objects of known owners.
    pub attributed: u64,
    /// Objects of unknown owners.
    pub unattributed: u64,
}

/// What [`IdentityDirectory::start_sweep`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepStart {
    /// The run is recorded as the bucket's current one.
    Started,
    /// Another run is still going (and no restart was asked): nothing changed.
    AlreadyRunning(SweepProgress),
}

/// Where a page of a run stands against the run's item. Pure decision: [`page_status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStatus {
    /// The page is the run's next: work it.
    Next,
    /// The page was done before (a duplicate message): nothing to do.
    Done,
    /// The run was replaced or never started (or finished): the chain stops here.
    Stale,
}

/// Where page `page` (0 for the first) of run `run_id` stands, given the item.
pub fn page_status(progress: Option<&SweepProgress>, run_id: &str, page: u64) -> PageStatus {
    match progress {
        Some(progress) if progress.run_id == run_id && progress.pages == page && progress.finished_at.is_none() => {
            PageStatus::Next
        }
        Some(progress) if progress.run_id == run_id && progress.pages > page => PageStatus::Done,
        _ => PageStatus::Stale,
    }
}

impl IdentityDirectory {
    /// Records run `run_id` of a sweep of `bucket`, started at `now`: one conditional
    /// `PutItem` that refuses while another run is unfinished, unless `restart` (the old
    /// run's pages then stop at their next step).
    pub async fn start_sweep(
        &self,
        bucket: &str,
        run_id: &str,
        now: u64,
        restart: bool,
    ) -> Result<SweepStart, DirectoryError> {
        check_bucket(bucket)?;
        if run_id.is_empty() {
            return Err(DirectoryError::Invalid("a sweep run needs an id"));
        }
        let key = schema::sweep_key(bucket);
        let number = |n: u64| AttributeValue::N(n.to_string());
        let mut put = self
            .client
            .put_item()
            .table_name(self.table.as_ref())
            .item(schema::PARTITION_KEY, AttributeValue::S(key.clone()))
            .item(schema::KIND, AttributeValue::S(schema::KIND_SWEEP.into()))
            .item(schema::BUCKET, AttributeValue::S(bucket.to_owned()))
            .item(schema::RUN_ID, AttributeValue::S(run_id.to_owned()))
            .item(schema::STARTED_AT, number(now));
        for counter in schema::SWEEP_COUNTERS {
            put = put.item(counter, number(0));
        }
        if !restart {
            put = put
                .condition_expression("attribute_not_exists(#pk) OR attribute_exists(#finished)")
                .expression_attribute_names("#pk", schema::PARTITION_KEY)
                .expression_attribute_names("#finished", schema::FINISHED_AT);
        }
        match put.send().await {
            Ok(_) => Ok(SweepStart::Started),
            Err(error)
                if matches!(error.as_service_error(), Some(PutItemError::ConditionalCheckFailedException(_))) =>
            {
                Ok(SweepStart::AlreadyRunning(self.sweep_progress(bucket).await?.unwrap_or_default()))
            }
            Err(error) => {
                let (class, code) = classify_sdk_error("PutItem", &error);
                Err(class.into_error(code))
            }
        }
    }

    /// The bucket's current (or last) sweep run: one consistent `GetItem`.
    pub async fn sweep_progress(&self, bucket: &str) -> Result<Option<SweepProgress>, DirectoryError> {
        check_bucket(bucket)?;
        let key = schema::sweep_key(bucket);
        self.get_item(&key)
            .await?
            .map(|item| sweep_progress_from_item(&item))
            .transpose()
            .map_err(|reason| DirectoryError::Corrupt { key, reason })
    }

    /// Adds page `page`'s `counts` to run `run_id`, once: the update holds only while the
    /// item is at that page of that run. `finished_at` marks the run's last page. Returns
    /// the page's status before the write ([`PageStatus::Next`] when it was added).
    pub async fn record_sweep_page(
        &self,
        bucket: &str,
        run_id: &str,
        page: u64,
        counts: SweepPageCounts,
        finished_at: Option<u64>,
    ) -> Result<PageStatus, DirectoryError> {
        check_bucket(bucket)?;
        let number = |n: u64| AttributeValue::N(n.to_string());
        let mut set = vec!["#pages = :next"];
        let mut update = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(schema::sweep_key(bucket)))
            .condition_expression("#run = :run AND #pages = :page AND attribute_not_exists(#finished)")
            .expression_attribute_names("#run", schema::RUN_ID)
            .expression_attribute_names("#pages", schema::PAGES)
            .expression_attribute_names("#finished", schema::FINISHED_AT)
            .expression_attribute_names("#folders", schema::FOLDERS)
            .expression_attribute_names("#objects", schema::OBJECTS)
            .expression_attribute_names("#bytes", schema::BYTES)
            .expression_attribute_names("#attributed", schema::ATTRIBUTED)
            .expression_attribute_names("#unattributed", schema::UNATTRIBUTED)
            .expression_attribute_values(":run", AttributeValue::S(run_id.to_owned()))
            .expression_attribute_values(":page", number(page))
            .expression_attribute_values(":next", number(page + 1))
            .expression_attribute_values(":folders", number(counts.folders))
            .expression_attribute_values(":objects", number(counts.objects))
            .expression_attribute_values(":bytes", number(counts.bytes))
            .expression_attribute_values(":attributed", number(counts.attributed))
            .expression_attribute_values(":unattributed", number(counts.unattributed));
        if let Some(at) = finished_at {
            set.push("#finished = :finished_at");
            update = update.expression_attribute_values(":finished_at", number(at));
        }
        let update = update.update_expression(format!(
            "SET {} ADD #folders :folders, #objects :objects, #bytes :bytes, #attributed :attributed, #unattributed :unattributed",
            set.join(", ")
        ));
        match update.send().await {
            Ok(_) => Ok(PageStatus::Next),
            Err(error)
                if matches!(error.as_service_error(), Some(UpdateItemError::ConditionalCheckFailedException(_))) =>
            {
                let progress = self.sweep_progress(bucket).await?;
                Ok(match page_status(progress.as_ref(), run_id, page) {
                    PageStatus::Next => PageStatus::Stale, // cannot be: the condition just failed
                    status => status,
                })
            }
            Err(error) => {
                let (class, code) = classify_sdk_error("UpdateItem", &error);
                Err(class.into_error(code))
            }
        }
    }
}

fn check_bucket(bucket: &str) -> Result<(), DirectoryError> {
    if bucket.is_empty() || bucket.contains('#') {
        return Err(DirectoryError::Invalid("the bucket name must be a non-empty S3 bucket name"));
    }
    Ok(())
}

/// Reads a `sweep#` item back.
pub fn sweep_progress_from_item(item: &Item) -> Result<SweepProgress, &'static str> {
    let text = |name: &'static str| match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value.clone()),
        _ => Err("a required string attribute of the sweep item is missing"),
    };
    let number = |name: &'static str| match item.get(name) {
        Some(AttributeValue::N(value)) => {
            value.parse::<u64>().map(Some).map_err(|_| "a sweep counter is not a whole number")
        }
        Some(_) => Err("a sweep counter is not a number"),
        None => Ok(None),
    };
    if text(schema::KIND)? != schema::KIND_SWEEP {
        return Err("kind is not sweep");
    }
    Ok(SweepProgress {
        run_id: text(schema::RUN_ID)?,
        pages: number(schema::PAGES)?.unwrap_or(0),
        folders: number(schema::FOLDERS)?.unwrap_or(0),
        objects: number(schema::OBJECTS)?.unwrap_or(0),
        bytes: number(schema::BYTES)?.unwrap_or(0),
        attributed: number(schema::ATTRIBUTED)?.unwrap_or(0),
        unattributed: number(schema::UNATTRIBUTED)?.unwrap_or(0),
        started_at: number(schema::STARTED_AT)?.unwrap_or(0),
        finished_at: number(schema::FINISHED_AT)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pages: u64, finished: bool) -> SweepProgress {
        SweepProgress { run_id: "r1".into(), pages, finished_at: finished.then_some(9), ..SweepProgress::default() }
    }

    #[test]
    fn a_page_is_next_done_or_stale() {
        assert_eq!(page_status(Some(&run(3, false)), "r1", 3), PageStatus::Next);
        assert_eq!(page_status(Some(&run(4, false)), "r1", 3), PageStatus::Done);
        assert_eq!(page_status(Some(&run(4, true)), "r1", 3), PageStatus::Done);
        assert_eq!(page_status(Some(&run(4, true)), "r1", 4), PageStatus::Stale, "finished");
        assert_eq!(page_status(Some(&run(3, false)), "r0", 3), PageStatus::Stale, "replaced by a restart");
        assert_eq!(page_status(Some(&run(2, false)), "r1", 3), PageStatus::Stale, "ahead of the run");
        assert_eq!(page_status(None, "r1", 0), PageStatus::Stale);
    }

    #[test]
    fn the_item_reads_back() {
        let item = Item::from([
            (schema::KIND.to_owned(), AttributeValue::S(schema::KIND_SWEEP.into())),
            (schema::RUN_ID.to_owned(), AttributeValue::S("r1".into())),
            (schema::PAGES.to_owned(), AttributeValue::N("2".into())),
            (schema::OBJECTS.to_owned(), AttributeValue::N("1500".into())),
            (schema::FINISHED_AT.to_owned(), AttributeValue::N("7".into())),
        ]);
        let progress = sweep_progress_from_item(&item).unwrap();
        assert_eq!((progress.pages, progress.objects, progress.finished_at), (2, 1500, Some(7)));
        let mut wrong = item.clone();
        wrong.insert(schema::KIND.into(), AttributeValue::S("identity".into()));
        assert!(sweep_progress_from_item(&wrong).is_err());
    }
}
