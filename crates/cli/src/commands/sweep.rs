//! `sweep`: counts every object already stored under a bucket's `private/` folders, and
//! tags those whose owner the directory knows, by starting a sweep run of the
//! object-owner function (one message to its queue; the function then works the
//! listing one page of 1,000 keys per message) and watching its progress on the
//! directory's `sweep#<bucket>` item until the run has finished.
//!
//! The run itself (start, watch) is [`crate::sweep_run`], which `adopt --apply` shares.

use directory::SweepProgress;
use serde_json::json;

use crate::cli_args::SweepArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock};
use crate::sweep_run::{follow_sweep, start_sweep};

/// `sweep`: starts a run and, unless `--no-wait`, shows its progress until it finishes.
pub async fn sweep(context: &Context, args: &SweepArgs) -> Result<Output, CliError> {
    let bucket = context.config.bucket()?;
    let directory = context.directory()?;
    let sqs = aws_sdk_sqs::Client::new(context.config.sdk()?);
    let run_id = start_sweep(&directory, &sqs, bucket, context.config.queue_url()?, args.restart).await?;
    if args.no_wait {
        let progress = SweepProgress { run_id, ..SweepProgress::default() };
        return Ok(render(bucket, &progress));
    }
    let finished = follow_sweep(&directory, bucket, &run_id, args.progress).await?;
    Ok(render(bucket, &finished))
}

fn render(bucket: &str, progress: &SweepProgress) -> Output {
    let (human, json) = sweep_report(bucket, progress);
    Output::Report { human, json }
}

/// The run's counts, as text and as JSON (`adopt --apply` shows the same).
pub fn sweep_report(bucket: &str, progress: &SweepProgress) -> (String, serde_json::Value) {
    let state = if progress.finished_at.is_some() { "finished" } else { "started" };
    (
        TextBlock::new(format!("sweep of {bucket}: {state}"))
            .line("run", progress.run_id.as_str())
            .line("folders", progress.folders.to_string())
            .line("objects", progress.objects.to_string())
            .line("bytes", progress.bytes.to_string())
            .line("attributed", progress.attributed.to_string())
            .line("unattributed", progress.unattributed.to_string())
            .line("pages", progress.pages.to_string())
            .render(),
        json!({
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
    )
}
