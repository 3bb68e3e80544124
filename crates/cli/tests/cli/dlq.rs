//! `dlq` against the local emulator's SQS, through the real SDK: a dead-letter queue
//! seeded with one message of each shape the object-events queue carries and two
//! malformed ones; listing shows them all and consumes nothing; a redrive to a queue that
//! does not exist moves and deletes nothing; a redrive to the source queue moves the
//! well-formed ones there and leaves only the malformed ones behind.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use test_support::local_cognito::{LocalCognito, REGION, unique_name};

use crate::harness::Cli;

const ID: &str = "us-east-1:0f0c7e2a-1111-4222-8333-444455556666";

struct Queues {
    sqs: aws_sdk_sqs::Client,
    source: String,
    dlq: String,
    cli: Cli,
}

async fn queues(prefix: &str) -> Queues {
    let cognito = LocalCognito::from_env().await;
    let sqs = aws_sdk_sqs::Client::new(cognito.sdk_config());
    let name = unique_name(prefix);
    let create = |name: String| {
        let sqs = sqs.clone();
        async move { sqs.create_queue().queue_name(name).send().await.expect("CreateQueue").queue_url.unwrap() }
    };
    let dlq = create(format!("{name}-dlq")).await;
    let source = create(format!("{name}-events")).await;
    let cli = Cli::bare()
        .with("AWS_ENDPOINT_URL", &cognito.endpoint)
        .with("AWS_REGION", REGION)
        .with("AWS_ACCESS_KEY_ID", "testing")
        .with("AWS_SECRET_ACCESS_KEY", "testing")
        .with("COGNITO_BRIDGE_DLQ_URL", &dlq)
        .with("COGNITO_BRIDGE_QUEUE_URL", &source);
    Queues { sqs, source, dlq, cli }
}

/// One message of each well-formed shape (their keys), then the malformed bodies.
fn seed_bodies() -> (Vec<(String, String)>, Vec<String>) {
    let s3 = json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-12-07T10:00:00.000Z", "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "private", "bucket": {"name": "b-1", "arn": "arn:aws:s3:::b-1"},
            "object": {"key": format!("private%2F{}%2Fmy+cat.jpg", ID.replace(':', "%3A")), "size": 5,
                "sequencer": "0065A1B2C3D4E5F601"}}}]});
    let bridge = json!({"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created",
        "source": "aws.s3", "account": "111122223333", "time": "2026-12-07T10:00:00Z", "region": "us-east-1",
        "resources": ["arn:aws:s3:::b-1"], "detail": {"version": "0", "bucket": {"name": "b-1"},
            "object": {"key": format!("private/{ID}/a+b.txt"), "size": 3, "etag": "e", "sequencer": "617f08299329d189"},
            "request-id": "N4N7GDK58NMKJ12R", "requester": "123456789012", "reason": "PutObject"}});
    let job = json!({"folderJob": {"kind": "sweep", "bucket": "b-1", "prefix": "private/", "runId": "r-1", "page": 2}});
    let good = vec![
        (s3.to_string(), format!("private/{ID}/my cat.jpg")),
        (bridge.to_string(), format!("private/{ID}/a+b.txt")),
        (job.to_string(), "private/".to_owned()),
    ];
    (good, vec!["not json at all".to_owned(), r#"{"Records": []}"#.to_owned()])
}

impl Queues {
    async fn seed(&self) -> (Vec<(String, String)>, Vec<String>) {
        let (good, malformed) = seed_bodies();
        for body in good.iter().map(|(body, _)| body).chain(malformed.iter()) {
            self.sqs.send_message().queue_url(&self.dlq).message_body(body).send().await.expect("SendMessage");
        }
        (good, malformed)
    }

    /// Every body in `queue`, each received once and deleted (a test's own drain).
    async fn drain(&self, queue: &str) -> Vec<String> {
        let mut bodies = Vec::new();
        loop {
            let answer = self
                .sqs
                .receive_message()
                .queue_url(queue)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("ReceiveMessage");
            let messages = answer.messages.unwrap_or_default();
            if messages.is_empty() {
                return bodies;
            }
            for message in messages {
                self.sqs
                    .delete_message()
                    .queue_url(queue)
                    .receipt_handle(message.receipt_handle.unwrap())
                    .send()
                    .await
                    .unwrap();
                bodies.push(message.body.unwrap_or_default());
            }
        }
    }
}

fn keys_of(listing: &Value) -> BTreeSet<String> {
    listing["messages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|message| message["keys"].as_array().unwrap().iter().map(|key| key.as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn listing_shows_every_message_and_consumes_none() {
    let q = queues("cli-dlq-list").await;
    let (good, _) = q.seed().await;

    let listing = q.cli.run(&["--json", "dlq"]).await.json();
    assert_eq!((listing["count"].as_u64(), listing["malformed"].as_u64()), (Some(5), Some(2)), "{listing:#}");
    assert_eq!(keys_of(&listing), good.iter().map(|(_, key)| key.clone()).collect::<BTreeSet<_>>());
    for message in listing["messages"].as_array().unwrap() {
        assert!(message["receiveCount"].as_u64().unwrap() >= 1, "{message}");
        assert!(message["firstReceivedAt"].as_str().unwrap().ends_with('Z'), "{message}");
        match message["shape"].as_str().unwrap() {
            "malformed" => assert!(!message["why"].as_str().unwrap().is_empty(), "{message}"),
            "folder-job" => assert_eq!(message["why"], "a folder job's page 2 of sweep run r-1 in b-1"),
            _ => assert_eq!(message["why"], Value::Null, "{message}"),
        }
    }

    // Released, not consumed: listed again at once, each received once more.
    let again = q.cli.run(&["dlq"]).await;
    let text = again.ok();
    assert!(text.starts_with(&format!("dead-letter queue {}: 5 messages (2 malformed)", q.dlq)), "{text}");
    assert!(text.contains(&format!("key  private/{ID}/my cat.jpg")), "{text}");
    assert!(text.contains("received 2 times"), "{text}");
    assert_eq!(q.drain(&q.dlq).await.len(), 5, "all five still there");
}

#[tokio::test]
async fn redrive_moves_the_good_ones_back_and_keeps_the_malformed() {
    let q = queues("cli-dlq-redrive").await;
    let (good, malformed) = q.seed().await;

    // A source queue that does not exist: every send fails, nothing is deleted.
    let gone = format!("{}-gone", q.source);
    let failed = q.cli.run_in_env(&["--json", "dlq", "--redrive"], "COGNITO_BRIDGE_QUEUE_URL", &gone).await;
    let line = failed.error(1);
    assert!(line.starts_with("error: dlq --redrive failed: moved 0, failed 3 (first: "), "{line}");
    assert!(line.contains("kept 2 malformed; no failed message was deleted"), "{line}");
    let listing = q.cli.run(&["--json", "dlq"]).await.json();
    assert_eq!(listing["count"], 5, "nothing left the dead-letter queue: {listing:#}");

    let moved = q.cli.run(&["--json", "dlq", "--redrive"]).await.json();
    assert_eq!((moved["moved"].as_u64(), moved["failed"].as_u64()), (Some(3), Some(0)), "{moved:#}");
    assert_eq!(moved["keptMalformed"].as_array().unwrap().len(), 2, "{moved:#}");
    assert_eq!(moved["sourceQueueUrl"], q.source.as_str());

    let arrived: BTreeSet<String> = q.drain(&q.source).await.into_iter().collect();
    assert_eq!(arrived, good.into_iter().map(|(body, _)| body).collect(), "the same bodies, once each");
    let left: BTreeSet<String> = q.drain(&q.dlq).await.into_iter().collect();
    assert_eq!(left, malformed.into_iter().collect(), "only the malformed ones stay");
}

#[tokio::test]
async fn an_empty_queue_and_a_missing_setting() {
    let q = queues("cli-dlq-empty").await;
    let empty = q.cli.run(&["--json", "dlq"]).await.json();
    assert_eq!((empty["count"].as_u64(), empty["messages"].clone()), (Some(0), json!([])));
    let nothing = q.cli.run(&["--json", "dlq", "--redrive"]).await.json();
    assert_eq!(nothing["moved"], 0);

    let line = q.cli.run(&["dlq"]).await;
    assert!(line.ok().starts_with("dead-letter queue "));
    let unset = Cli::bare().with("AWS_REGION", REGION).run(&["dlq"]).await.error(2);
    assert_eq!(
        unset,
        "error: the object-events dead-letter queue is not set; pass --dlq-url or set COGNITO_BRIDGE_DLQ_URL (or name a stack with --stack)"
    );
}
