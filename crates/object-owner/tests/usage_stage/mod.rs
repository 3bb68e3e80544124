//! What the usage tests share: the object pipeline created from template.yaml (bucket,
//! queue, dead-letter queue, notifications), the directory table, object-owner as real
//! Lambda processes, the emulator's DynamoDB fault switch, and the bucket's real contents.

#![allow(dead_code)]

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use directory::{IdentityDirectory, IdentityId, NewLink, Usage, UserPoolId, schema};
use serde_json::Value;
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct Stage {
    pub cognito: LocalCognito,
    pub s3: aws_sdk_s3::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub directory: IdentityDirectory,
    pub table: String,
    pub bucket: String,
    pub queue_url: String,
    pub queue_arn: String,
    pub dlq_url: String,
}

pub fn identity(n: u8) -> IdentityId {
    IdentityId::parse(&format!("us-east-1:{n:02x}5e7a2a-1111-4222-8333-444455556666")).unwrap()
}

impl Stage {
    /// A stack of its own, with a visibility timeout of `visibility` seconds (instead of
    /// the template's 180 s: failed messages come back within the test, yet a batch still
    /// being processed is not received twice) and the template's redrive policy.
    pub async fn new(prefix: &str, visibility: u32) -> Stage {
        Stage::create(prefix, visibility, false).await
    }

    /// [`Stage::new`] with the directory's stream and its link pipe to the queue
    /// (EventBridge Pipes, run by the emulator), as template.yaml's DirectoryLinkPipe.
    pub async fn with_link_pipe(prefix: &str, visibility: u32) -> Stage {
        Stage::create(prefix, visibility, true).await
    }

    async fn create(prefix: &str, visibility: u32, link_pipe: bool) -> Stage {
        let cognito = LocalCognito::from_env().await;
        let name = unique_name(prefix);
        let table = cognito.create_directory_table(&name).await;
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let output = tokio::process::Command::new(root.join(".venv/bin/python"))
            .arg(root.join("tests/emulator/create_local_stack.py"))
            .args(["--object-pipeline", &cognito.endpoint, &name, &visibility.to_string()])
            .args(link_pipe.then_some("--link-pipe"))
            .output()
            .await
            .expect("create_local_stack.py (run `make venv`)");
        assert!(output.status.success(), "--object-pipeline: {}", String::from_utf8_lossy(&output.stderr));
        let created: Value = serde_json::from_slice(&output.stdout).unwrap();
        let text = |k: &str| created[k].as_str().unwrap().to_owned();
        Stage {
            s3: aws_sdk_s3::Client::new(cognito.sdk_config()),
            sqs: aws_sdk_sqs::Client::new(cognito.sdk_config()),
            directory: IdentityDirectory::new(cognito.dynamodb(), table.clone()),
            table,
            bucket: text("BucketName"),
            queue_url: text("ObjectEventsQueueUrl"),
            queue_arn: text("ObjectEventsQueueArn"),
            dlq_url: text("ObjectEventsDeadLetterQueueUrl"),
            cognito,
        }
    }

    pub async fn function(&self) -> LambdaProcess {
        let env: Vec<(String, String)> = [
            ("DIRECTORY_TABLE", self.table.as_str()),
            ("BUCKET_NAME", self.bucket.as_str()),
            ("OBJECT_EVENTS_QUEUE_URL", self.queue_url.as_str()),
            // Pages of 250 keys: a page's work stays well within the local runtime's
            // 30 s while the whole suite shares one emulator.
            ("FOLDER_JOB_PAGE_SIZE", "250"),
            ("AWS_ENDPOINT_URL", self.cognito.endpoint.as_str()),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("RUST_LOG", "warn"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        LambdaProcess::start(env!("CARGO_BIN_EXE_object-owner"), &env).await.expect("the function starts")
    }

    pub async fn link(&self, n: u8) -> IdentityId {
        let link = NewLink {
            identity_id: identity(n),
            user_pool_id: UserPoolId::parse("us-east-1_UsageTests2").unwrap(),
            sub: format!("sub-{n}"),
            username: format!("user-{n}"),
            linked_at: 1,
        };
        self.directory.record_link(&link).await.unwrap();
        link.identity_id
    }

    /// What `private/<id>/` holds, by ListObjectsV2.
    pub async fn stored(&self, id: &IdentityId) -> Usage {
        let mut usage = Usage::default();
        let mut pages =
            self.s3.list_objects_v2().bucket(&self.bucket).prefix(format!("private/{id}/")).into_paginator().send();
        while let Some(page) = pages.next().await {
            for object in page.unwrap().contents() {
                usage.objects += 1;
                usage.bytes += object.size().unwrap_or_default() as u64;
            }
        }
        usage
    }

    pub async fn queue_depth(&self, url: &str) -> usize {
        let attrs = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        attrs.attributes().unwrap().values().map(|v| v.parse::<usize>().unwrap()).sum()
    }

    /// Every item of the table (a test may scan; the functions never do).
    pub async fn items(&self) -> Vec<schema::Item> {
        let mut items = Vec::new();
        let mut pages =
            self.cognito.dynamodb().scan().table_name(&self.table).consistent_read(true).into_paginator().send();
        while let Some(page) = pages.next().await {
            items.extend(page.unwrap().items().iter().cloned());
        }
        items
    }

    /// Nothing left half-done: no unsettled change on any key, no marker on any counter.
    pub async fn assert_nothing_in_flight(&self) {
        for item in self.items().await {
            let key = item[schema::PARTITION_KEY].as_s().unwrap().clone();
            if key.starts_with("object#") {
                assert_eq!(item[schema::UNSETTLED], AttributeValue::M(Default::default()), "{key}");
            }
            let markers: Vec<_> = item.keys().filter(|name| name.starts_with(schema::MARKER_PREFIX)).collect();
            assert!(markers.is_empty(), "{key}: {markers:?}");
        }
    }

    /// The emulator's DynamoDB faults for this stage's table.
    pub async fn set_faults(&self, settings: Value) -> Value {
        let mut body = settings;
        body["table"] = Value::String(self.table.clone());
        self.control("POST", "/_emulator/dynamodb-faults", Some(body)).await
    }

    pub async fn injected_faults(&self) -> Value {
        self.control("GET", &format!("/_emulator/dynamodb-faults?table={}", self.table), None).await["injected"].clone()
    }

    /// The emulator's calls on this stage's table, by operation.
    pub async fn table_calls(&self) -> BTreeMap<String, usize> {
        let mut calls = BTreeMap::new();
        for call in self.cognito.calls_for_table(&self.table).await {
            *calls.entry(call.operation).or_default() += 1;
        }
        calls
    }

    async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let address = self.cognito.endpoint.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        assert!(head.starts_with("HTTP/1.1 200"), "{method} {path}: {answer}");
        serde_json::from_str(body).unwrap_or_else(|_| panic!("{method} {path}: {body}"))
    }
}

/// A seeded generator (splitmix64): the same seed gives the same sequence of operations.
pub struct Seeded(pub u64);

impl Seeded {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
