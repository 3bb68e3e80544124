//! A sweep run of the object-owner function: started with one message to its queue and
//! watched on the directory's `sweep#<bucket>` item. The `sweep` command and
//! `adopt --apply` both start runs here.

use std::io::IsTerminal;
use std::time::Duration;

use directory::{IdentityDirectory, SweepProgress, SweepStart};
use serde_json::json;

use crate::aws_call_error::{AwsCallError, directory_error};
use crate::error::CliError;

/// How often the progress item is read while watching.
const WATCH_INTERVAL: Duration = Duration::from_secs(1);

/// The message that starts run `run_id` of a sweep of `bucket`: the first page of a
/// folder job, as the object-owner function reads it (`{"folderJob": {…}}`).
pub fn sweep_start_message(bucket: &str, run_id: &str) -> String {
    json!({"folderJob": {"kind": "sweep", "bucket": bucket, "prefix": "private/", "runId": run_id, "page": 0}})
        .to_string()
}

/// A new run id: the start time and the process id, enough to tell runs apart.
fn new_run_id(now: Duration) -> String {
    format!("{}-{}-{}", now.as_secs(), now.subsec_nanos(), std::process::id())
}

/// Starts a sweep of `bucket`: records the run on the directory (refused while another
/// run is unfinished, unless `restart`), then sends its first page to `queue_url`.
/// Returns the run's id. Needs `dynamodb:PutItem` on the table and `sqs:SendMessage`.
pub async fn start_sweep(
    directory: &IdentityDirectory,
    sqs: &aws_sdk_sqs::Client,
    bucket: &str,
    queue_url: &str,
    restart: bool,
) -> Result<String, CliError> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let run_id = new_run_id(now);
    match directory
        .start_sweep(bucket, &run_id, now.as_secs(), restart)
        .await
        .map_err(|err| directory_error(err, "sweep", directory.table()))?
    {
        SweepStart::Started => {}
        SweepStart::AlreadyRunning(running) => {
            return Err(CliError::Usage(format!(
                "a sweep of {bucket} is already running (run {}, {} pages, {} objects so far); wait for it, or pass --restart to replace it",
                running.run_id, running.pages, running.objects
            )));
        }
    }
    sqs.send_message()
        .queue_url(queue_url)
        .message_body(sweep_start_message(bucket, &run_id))
        .send()
        .await
        .map_err(|err| AwsCallError::from_sdk(&err).into_error("sweep", queue_url, None))?;
    Ok(run_id)
}

/// Reads `sweep#<bucket>` every second, calling `progress` with each reading, until run
/// `run_id` has finished (or was replaced by another run: an error).
pub async fn watch_sweep(
    directory: &IdentityDirectory,
    bucket: &str,
    run_id: &str,
    mut progress: impl FnMut(&SweepProgress),
) -> Result<SweepProgress, CliError> {
    loop {
        let reading = directory
            .sweep_progress(bucket)
            .await
            .map_err(|err| directory_error(err, "sweep", directory.table()))?
            .ok_or_else(|| CliError::Usage(format!("the sweep of {bucket} has no progress item any more")))?;
        if reading.run_id != run_id {
            return Err(CliError::Usage(format!(
                "the sweep run {run_id} of {bucket} was replaced by run {}",
                reading.run_id
            )));
        }
        progress(&reading);
        if reading.finished_at.is_some() {
            return Ok(reading);
        }
        tokio::time::sleep(WATCH_INTERVAL).await;
    }
}

/// Watches run `run_id` until it finishes, with a progress line on stderr when stderr is a
/// terminal or `always_show`: folders, objects and bytes so far.
pub async fn follow_sweep(
    directory: &IdentityDirectory,
    bucket: &str,
    run_id: &str,
    always_show: bool,
) -> Result<SweepProgress, CliError> {
    let show = std::io::stderr().is_terminal() || always_show;
    let finished = watch_sweep(directory, bucket, run_id, |reading| {
        if show {
            eprint!(
                "\rsweep {bucket}: {} folders, {} objects, {} bytes ({} pages)   ",
                reading.folders, reading.objects, reading.bytes, reading.pages
            );
        }
    })
    .await?;
    if show {
        eprintln!();
    }
    Ok(finished)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_message_is_the_first_page_of_a_sweep() {
        let body: serde_json::Value = serde_json::from_str(&sweep_start_message("b-1", "r-1")).unwrap();
        assert_eq!(
            body,
            json!({"folderJob": {"kind": "sweep", "bucket": "b-1", "prefix": "private/", "runId": "r-1", "page": 0}})
        );
        assert_ne!(new_run_id(Duration::from_secs(1)), new_run_id(Duration::from_secs(2)));
    }
}
