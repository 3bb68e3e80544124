//! The built object-owner binary writes one CloudWatch EMF line per batch invocation, at
//! `RUST_LOG=trace` too, with the batch's sums, and nothing of the objects' owners: the
//! local pipeline (moto's S3 notifying moto's SQS, the local SQS event source, the
//! directory in moto's DynamoDB), as in `pipeline.rs`.

use aws_sdk_s3::primitives::ByteStream;
use directory::{IdentityDirectory, IdentityId, NewLink, UserPoolId};
use serde_json::{Value, json};
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sqs_event_source::SqsEventSource;

/// The EMF lines of a log: JSON objects with an `_aws` block.
fn emf_lines(logs: &str) -> Vec<Value> {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect()
}

#[tokio::test]
async fn one_emf_line_per_batch_with_its_sums() {
    let cognito = LocalCognito::from_env().await;
    let name = unique_name("owner-metrics");
    let table = cognito.create_directory_table(&name).await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = tokio::process::Command::new(root.join(".venv/bin/python"))
        .arg(root.join("tests/emulator/create_local_stack.py"))
        .args(["--object-pipeline", &cognito.endpoint, &name, "1"])
        .output()
        .await
        .expect("create_local_stack.py (run `make venv`)");
    assert!(output.status.success(), "--object-pipeline: {}", String::from_utf8_lossy(&output.stderr));
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = |k: &str| created[k].as_str().unwrap().to_owned();
    let (bucket, queue_url) = (text("BucketName"), text("ObjectEventsQueueUrl"));
    let env: Vec<(String, String)> = [
        ("DIRECTORY_TABLE", table.as_str()),
        ("BUCKET_NAME", bucket.as_str()),
        ("OBJECT_EVENTS_QUEUE_URL", queue_url.as_str()),
        ("AWS_ENDPOINT_URL", cognito.endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("RUST_LOG", "trace"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut function =
        LambdaProcess::start_named(env!("CARGO_BIN_EXE_object-owner"), "bridge-ObjectOwnerFunction-metrics", &env)
            .await
            .expect("the function starts");
    let sqs = aws_sdk_sqs::Client::new(cognito.sdk_config());
    let source = SqsEventSource::new(sqs, queue_url, text("ObjectEventsQueueArn"));
    let s3 = aws_sdk_s3::Client::new(cognito.sdk_config());

    let owner = IdentityId::parse("us-east-1:1f0c7e2a-1111-4222-8333-444455556666").unwrap();
    let stranger = IdentityId::parse("us-east-1:2f0c7e2a-1111-4222-8333-444455556666").unwrap();
    let link = NewLink {
        identity_id: owner.clone(),
        user_pool_id: UserPoolId::parse("us-east-1_OwnerMetrics1").unwrap(),
        sub: "sub-of-rosalind".into(),
        username: "rosalind".into(),
        linked_at: 1,
    };
    IdentityDirectory::new(cognito.dynamodb(), table).record_link(&link).await.unwrap();
    for key in [format!("private/{owner}/a.txt"), format!("private/{owner}/b.txt"), format!("private/{stranger}/c.txt")]
    {
        s3.put_object().bucket(&bucket).key(&key).body(ByteStream::from_static(b"12345")).send().await.unwrap();
    }
    let reports = source.run_until_idle(&mut function, 60, 2).await;
    assert!(reports.iter().all(|r| r.failed == 0), "{reports:?}\n{}", function.logs());
    let invocations = reports.iter().filter(|r| r.received > 0).count();

    let logs = function.logs();
    let lines = emf_lines(&logs);
    assert_eq!(lines.len(), invocations, "one EMF line per batch invocation:\n{logs}");
    let sum = |name: &str| lines.iter().map(|line| line[name].as_u64().expect("a count")).sum::<u64>();
    assert_eq!(
        [sum("ObjectsAttributed"), sum("ObjectsUnattributed"), sum("ObjectsDuplicate"), sum("ObjectsFailed")],
        [2, 1, 0, 0],
        "{logs}"
    );
    for line in &lines {
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], json!("CognitoBridge"));
        assert_eq!(line["FunctionName"], json!("bridge-ObjectOwnerFunction-metrics"));
        let text = line.to_string();
        for value in ["sub-of-rosalind", "rosalind", owner.as_str(), stranger.as_str(), "private/"] {
            assert!(!text.contains(value), "{value} in an EMF line: {text}");
        }
    }
}
