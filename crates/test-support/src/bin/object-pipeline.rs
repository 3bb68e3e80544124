//! A queue-fed function of `make demo`, as Lambda's SQS event source mapping runs it: a
//! built function binary (object-owner, forget) as a Lambda process, fed batches of up to
//! 10 (`--batch-size`, the template's `BatchSize`) from its queue, with only the messages
//! it did not report failed deleted.
//!
//! ```text
//! object-pipeline --function target/debug/object-owner --queue-url URL --queue-arn ARN \
//!     --ready-file FILE --stop-file FILE --logs FILE [--max-seconds 900] [--batch-size 10] \
//!     [--env NAME=VALUE]...
//! ```
//! The function gets DIRECTORY_TABLE, BUCKET_NAME, AWS_ENDPOINT_URL, AWS_REGION, the AWS
//! keys and RUST_LOG from this process's environment, OBJECT_EVENTS_QUEUE_URL from
//! --queue-url (object-owner's folder jobs send their next pages there), and each `--env`
//! (the rest of the template's environment for that function). It writes the ready file once the function
//! runs, prints one line per batch, and stops (the function with it) when the stop file
//! appears or after --max-seconds; the function's log is written to --logs on the way out.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::LocalCognito;
use test_support::sqs_event_source::SqsEventSource;

/// The command line, read by hand (a demo tool, not a product).
struct Args {
    function: String,
    queue_url: String,
    queue_arn: String,
    ready_file: PathBuf,
    stop_file: PathBuf,
    logs: PathBuf,
    max_seconds: u64,
    batch_size: i32,
    env: Vec<(String, String)>,
}

fn parse_args() -> Result<Args, String> {
    let (mut function, mut queue_url, mut queue_arn, mut ready, mut stop, mut logs) =
        (None, None, None, None, None, None);
    let mut max_seconds = 900;
    let mut batch_size = 10;
    let mut env = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--function" => function = Some(value()?),
            "--queue-url" => queue_url = Some(value()?),
            "--queue-arn" => queue_arn = Some(value()?),
            "--ready-file" => ready = Some(PathBuf::from(value()?)),
            "--stop-file" => stop = Some(PathBuf::from(value()?)),
            "--logs" => logs = Some(PathBuf::from(value()?)),
            "--batch-size" => {
                batch_size = value()?
                    .parse()
                    .ok()
                    .filter(|n| (1..=10).contains(n))
                    .ok_or_else(|| "--batch-size takes a number from 1 to 10".to_owned())?
            }
            "--env" => {
                let pair = value()?;
                let (name, value) =
                    pair.split_once('=').ok_or_else(|| format!("--env takes NAME=VALUE, not {pair:?}"))?;
                env.push((name.to_owned(), value.to_owned()));
            }
            "--max-seconds" => {
                max_seconds = value()?.parse().map_err(|_| "--max-seconds takes a number of seconds".to_owned())?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    fn need<T>(value: Option<T>, flag: &str) -> Result<T, String> {
        value.ok_or_else(|| format!("{flag} is required"))
    }
    Ok(Args {
        function: need(function, "--function")?,
        queue_url: need(queue_url, "--queue-url")?,
        queue_arn: need(queue_arn, "--queue-arn")?,
        ready_file: need(ready, "--ready-file")?,
        stop_file: need(stop, "--stop-file")?,
        logs: need(logs, "--logs")?,
        max_seconds,
        batch_size,
        env,
    })
}

/// The function's environment: what the template gives it, taken from ours and the
/// queue's URL.
fn function_env(queue_url: &str) -> Vec<(String, String)> {
    let pass = [
        "DIRECTORY_TABLE",
        "BUCKET_NAME",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ];
    let mut env: Vec<(String, String)> =
        pass.iter().filter_map(|name| Some(((*name).to_owned(), std::env::var(name).ok()?))).collect();
    env.push(("OBJECT_EVENTS_QUEUE_URL".into(), queue_url.to_owned()));
    env.push(("RUST_LOG".into(), std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into())));
    env
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(why) => {
            eprintln!("error: object-pipeline: {why}");
            return std::process::ExitCode::from(2);
        }
    };
    for required in ["DIRECTORY_TABLE", "BUCKET_NAME"] {
        if std::env::var_os(required).is_none() {
            eprintln!("error: object-pipeline: {required} is not set");
            return std::process::ExitCode::from(2);
        }
    }
    let cognito = LocalCognito::from_env().await;
    let mut env = function_env(&args.queue_url);
    env.extend(args.env.iter().cloned());
    let source = SqsEventSource::new(aws_sdk_sqs::Client::new(cognito.sdk_config()), args.queue_url, args.queue_arn)
        .with_batch_size(args.batch_size);
    let mut function = match LambdaProcess::start(&args.function, &env).await {
        Ok(function) => function,
        Err(why) => {
            eprintln!("error: object-pipeline: {why}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Err(err) = std::fs::write(&args.ready_file, "ready\n") {
        eprintln!("error: object-pipeline: cannot write {}: {err}", args.ready_file.display());
        return std::process::ExitCode::from(1);
    }
    let deadline = Instant::now() + Duration::from_secs(args.max_seconds);
    let (mut batches, mut records, mut failed) = (0usize, 0usize, 0usize);
    while !args.stop_file.exists() && Instant::now() < deadline {
        let report = source.poll_once(&mut function).await;
        if report.received > 0 {
            batches += 1;
            records += report.received;
            failed += report.failed;
            println!(
                "batch {batches}: {} record(s), {} failed, {} deleted from the queue",
                report.received, report.failed, report.deleted
            );
        }
    }
    println!("stopped: {records} record(s) in {batches} batch(es), {failed} failed");
    let written = std::fs::write(&args.logs, function.logs());
    drop(function);
    match written {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: object-pipeline: cannot write {}: {err}", args.logs.display());
            std::process::ExitCode::from(1)
        }
    }
}
