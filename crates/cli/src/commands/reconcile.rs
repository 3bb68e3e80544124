//! `reconcile`: one pass (or the rest of one) of the reconciler, run here: the
//! directory's users of the pool are checked with `AdminGetUser` at `--rate`, and each
//! user the pool no longer has is sent to the forget queue, unless `--dry-run`. The pass
//! continues from, and saves, the same `reconcile#<userPoolId>` position as the scheduled
//! function (a dry run reads it and saves nothing).

use std::time::Duration;

use reconciler::{Reconciler, RunLimits, RunReport};
use serde_json::json;

use crate::cli_args::ReconcileArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock};

/// The longest a local pass runs before it saves its position and stops.
const LOCAL_RUN_BUDGET: Duration = Duration::from_secs(24 * 60 * 60);

/// `reconcile`: runs, then prints the counts.
pub async fn reconcile(context: &Context, args: &ReconcileArgs) -> Result<Output, CliError> {
    let pool = context.config.user_pool()?;
    // A dry run sends nothing, so it needs no queue.
    let queue_url = match args.dry_run {
        true => String::new(),
        false => context
            .config
            .forget_queue_url()
            .map_err(|missing| {
                CliError::Usage(format!("reconcile: {}; or pass --dry-run to only count", missing.one_line()))
            })?
            .to_owned(),
    };
    let reconciler = Reconciler::new(
        context.idp()?,
        aws_sdk_sqs::Client::new(context.config.sdk()?),
        context.directory()?,
        pool.clone(),
        queue_url,
        args.rate,
    )
    .dry_run(args.dry_run);
    let limits = RunLimits { max_users: args.limit, ..RunLimits::within(LOCAL_RUN_BUDGET) };
    let report = reconciler.run(lambda_foundation::unix_now(), limits).await;
    let output = render(pool.as_str(), args.dry_run, &report);
    if report.stop.is_failure() {
        return Err(CliError::Aws {
            action: "reconcile",
            cause: format!(
                "stopped ({:?}) after checking {} users ({} missing, {} sent)",
                report.stop, report.checked, report.missing, report.sent
            ),
            hint: Some("the position is saved up to the last user handled: run again to continue".into()),
        });
    }
    Ok(output)
}

fn render(pool: &str, dry_run: bool, report: &RunReport) -> Output {
    let title =
        if dry_run { format!("reconcile of {pool} (dry run: nothing sent)") } else { format!("reconcile of {pool}") };
    let human = TextBlock::new(title)
        .line("checked", report.checked.to_string())
        .line("present", report.present.to_string())
        .line("missing", report.missing.to_string())
        .line("sent to forget", report.sent.to_string())
        .line("errors", report.errors.to_string())
        .line("other pools' users", report.other_pool.to_string())
        .line("pass finished", report.pass_finished.to_string())
        .render();
    let mut json = serde_json::to_value(report).unwrap_or_default();
    json["userPoolId"] = json!(pool);
    json["dryRun"] = json!(dry_run);
    Output::Report { human, json }
}
