//! `adopt`: show (and with `--apply` make) the changes that bring a team's existing
//! user pool, app clients and bucket under the bridge (and, with `--folder-layout sub`
//! or `both`, its identity pool's principal tags and role's trust policy). Without
//! `--apply` it writes nothing, which also makes it the drift check.

use directory::{IdentityDirectory, SweepProgress};
use serde_json::json;

use super::sweep::sweep_report;

use crate::adopt::adopt_error::AdoptError;
use crate::adopt::plan::Plan;
use crate::adopt::planning::plan;
use crate::adopt::reads::{AdoptClients, AdoptTarget, read_all};
use crate::adopt::sweep_start::SweepStart;
use crate::adopt::trigger_plan::is_function_arn;
use crate::adopt::writes::{Applied, apply};
use crate::cli_args::AdoptArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::sweep_run::follow_sweep;

/// `adopt`: reads everything, plans, and applies with `--apply`.
pub async fn adopt(context: &Context, args: &AdoptArgs) -> Result<Output, CliError> {
    let config = &context.config;
    let target = AdoptTarget {
        pool_id: config.user_pool_id()?.to_owned(),
        provider_name: config.identity_provider_name()?,
        identity_pool_id: config.identity_pool_id()?.to_owned(),
        bucket: config.bucket()?.to_owned(),
        directory_table: config.directory_table()?.to_owned(),
        client_ids: distinct(&args.client_ids),
        queue_url: config.queue_url_if_known().map(str::to_owned),
        pre_token_function_arn: config.pre_token_function_arn_if_known().map(str::to_owned),
        folder_layout: config.folder_layout()?.to_owned(),
    };
    if let Some(arn) = target.pre_token_function_arn.as_deref().filter(|arn| !is_function_arn(arn)) {
        return Err(CliError::Usage(format!(
            "adopt: --pre-token-function-arn {arn:?} is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>); pass the stack's PreTokenFunctionArn output"
        )));
    }
    if let Some(arn) = args.queue_arn.as_deref().filter(|arn| !is_sqs_arn(arn)) {
        return Err(CliError::Usage(format!(
            "adopt: --queue-arn {arn:?} is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>); pass the stack's object events queue"
        )));
    }
    let sdk = config.sdk()?;
    let clients = AdoptClients {
        idp: aws_sdk_cognitoidentityprovider::Client::new(sdk),
        identity: aws_sdk_cognitoidentity::Client::new(sdk),
        s3: aws_sdk_s3::Client::new(sdk),
        dynamodb: aws_sdk_dynamodb::Client::new(sdk),
        sqs: aws_sdk_sqs::Client::new(sdk),
        iam: aws_sdk_iam::Client::new(sdk),
    };
    let failed = |err| into_cli_error(err, &config.aws_target());
    let observed = read_all(&clients, &target).await.map_err(failed)?;
    let planned = plan(&target, &observed, args.queue_arn.as_deref()).map_err(failed)?;
    if !args.apply || planned.changes.is_empty() {
        return Ok(render_plan(&planned, args.apply));
    }
    #[cfg(feature = "adopt-test-hook")]
    crate::adopt::write_pause::pause_before_writes().await;
    let applied = apply(&clients, &target, &observed, &planned).await.map_err(failed)?;
    let swept = match &applied.sweep {
        Some(SweepStart::Started(run_id)) if !args.no_wait => {
            let directory = IdentityDirectory::new(clients.dynamodb.clone(), target.directory_table.clone());
            Some(follow_sweep(&directory, &target.bucket, run_id, false).await?)
        }
        _ => None,
    };
    Ok(render_applied(&planned, &applied, swept.as_ref().map(|progress| (target.bucket.as_str(), progress))))
}

/// The ids in their first order, each once (a client named twice is updated once).
fn distinct(ids: &[String]) -> Vec<String> {
    let mut seen = Vec::with_capacity(ids.len());
    for id in ids {
        if !seen.contains(id) {
            seen.push(id.clone());
        }
    }
    seen
}

/// Whether `arn` has the shape of an SQS queue's ARN (any partition).
fn is_sqs_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() == 6 && parts[0] == "arn" && parts[2] == "sqs" && parts[3..].iter().all(|part| !part.is_empty())
}

/// The CLI error: transport and credential failures as every command reports them, the rest as adopt's own.
fn into_cli_error(err: AdoptError, aws_target: &str) -> CliError {
    match err {
        AdoptError::Failed { action, kind, id, cause } => {
            cause.into_error(action, aws_target, Some(format!("while adopting {} {id}", kind.words())))
        }
        other => CliError::Adopt(other),
    }
}

fn render_plan(planned: &Plan, apply: bool) -> Output {
    let heading = "plan (nothing written; run with --apply to make these changes)";
    let mut document = planned.to_json();
    document["applied"] = json!(apply && planned.changes.is_empty());
    Output::Report { human: planned.render(heading), json: document }
}

fn render_applied(planned: &Plan, applied: &Applied, swept: Option<(&str, &SweepProgress)>) -> Output {
    let mut human = planned.render("applied");
    let sweep = match &applied.sweep {
        Some(SweepStart::Started(run_id)) => match swept {
            Some((bucket, progress)) => {
                let (counts, document) = sweep_report(bucket, progress);
                human.push_str(&counts);
                json!({"started": true, "runId": run_id, "finished": document["finished"], "counts": document})
            }
            None => json!({"started": true, "runId": run_id}),
        },
        Some(SweepStart::Pending(reason)) => {
            human.push_str(&format!("sweep not started: {reason}\n"));
            json!({"started": false, "reason": reason})
        }
        None => json!(null),
    };
    let mut document = planned.to_json();
    document["applied"] = json!(true);
    document["sweep"] = sweep;
    Output::Report { human, json: document }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_named_twice_is_adopted_once_and_queue_arns_are_checked() {
        let ids = ["a", "b", "a"].map(String::from);
        assert_eq!(distinct(&ids), ["a", "b"]);
        assert!(is_sqs_arn("arn:aws:sqs:us-east-1:123456789012:q"));
        assert!(is_sqs_arn("arn:aws-cn:sqs:cn-north-1:123456789012:q"));
        assert!(!is_sqs_arn("https://sqs.us-east-1.amazonaws.com/123456789012/q"));
        assert!(!is_sqs_arn("arn:aws:sns:us-east-1:123456789012:t"));
    }
}
