//! `sweep`: counts every object already stored under a bucket's `private/` folders, and
//! tags those whose owner the directory knows, by starting a sweep run of the
//! object-owner function (one message to its queue; the function then works the
//! listing one page of 1,000 keys per message) and watching its progress on the
//! directory's `sweep#<bucket>` item until the run has finished.
//!
//! [`start_sweep`] and [`watch_sweep`] are what other commands (`adopt --apply`) call.

use std::io::IsTerminal;
use std::time::Duration;

use directory::{IdentityDirectory, SweepProgress, SweepStart};
use serde_json::json;

use crate::aws_call_error::{AwsCallError, directory_error};
use crate::cli_args::SweepArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock};

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

/// `sweep`: starts a run and, unless `--no-wait`, shows its progress until it finishes.
pub async fn sweep(context: &Context, args: &SweepArgs) -> Result<Output, CliError> {
    let bucket = context.config.bucket()?;
    let directory = context.directory()?;
    let sqs = aws_sdk_sqs::Client::new(context.config.sdk()?);
    let run_id = start_sweep(&directory, &sqs, bucket, &args.queue_url, args.restart).await?;
    if args.no_wait {
        let progress = SweepProgress { run_id, ..SweepProgress::default() };
        return Ok(render(bucket, &progress));
    }
    let show = std::io::stderr().is_terminal() || args.progress;
    let finished = watch_sweep(&directory, bucket, &run_id, |reading| {
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
    Ok(render(bucket, &finished))
}

fn render(bucket: &str, progress: &SweepProgress) -> Output {
    let state = if progress.finished_at.is_some() { "finished" } else { "started" };
    Output::Report {
        human: TextBlock::new(format!("sweep of {bucket}: {state}"))
            .line("run", progress.run_id.as_str())
            .line("folders", progress.folders.to_string())
            .line("objects", progress.objects.to_string())
            .line("bytes", progress.bytes.to_string())
            .line("attributed", progress.attributed.to_string())
            .line("unattributed", progress.unattributed.to_string())
            .line("pages", progress.pages.to_string())
            .render(),
        json: json!({
            "bucket": bucket,
            "runId": progress.run_id,
            "finished": progress.finished_at.is_some(),
            "folders": progress.folders,
            "objects": progress.objects,
            "bytes": progress.bytes,
            "attributed": progress.attributed,
            "unattributed": progress.unattributed,
            "pages": progress.pages,
            "startedAt": progress.started_at,
            "finishedAt": progress.finished_at,
        }),
    }
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
