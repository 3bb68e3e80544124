//! The forget engine against the local emulator, with real parts: a user pool user
//! signed in, their IdentityId from the identity pool's `GetId`, their objects in moto's
//! S3, their link in the directory in moto's DynamoDB. Counts every AWS call of a forget
//! from the emulator's call log, and throttles S3 part-way through a folder with the
//! emulator's S3 fault switch. Without the emulator these fail, never skip.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, Tag, Tagging, VersioningConfiguration};
use directory::{DirectoryError, ForgetProgress, IdentityDirectory, IdentityId, NewLink, UserPoolId};
use forget::{FolderAction, ForgetError, Forgetter, Forgot};
use lambda_foundation::aws_failure::FailureKind;
use test_support::local_cognito::{LocalCognito, TestStack, unique_name};
use test_support::measurement::scaled;

/// The call counts come from the emulator's one call log: one test at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Stage {
    stack: TestStack,
    s3: aws_sdk_s3::Client,
    bucket: String,
    table: String,
    directory: IdentityDirectory,
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

impl Stage {
    async fn new(prefix: &str, versioned: bool) -> Stage {
        let cognito = LocalCognito::from_env().await;
        let name = unique_name(prefix);
        let table = cognito.create_directory_table(&name).await;
        let stack = cognito.create_stack(&name).await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(cognito.sdk_config()).force_path_style(true).build(),
        );
        let bucket = name.to_lowercase().replace('_', "-");
        s3.create_bucket().bucket(&bucket).send().await.expect("CreateBucket");
        if versioned {
            let versioning = VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build();
            s3.put_bucket_versioning().bucket(&bucket).versioning_configuration(versioning).send().await.unwrap();
        }
        let directory = IdentityDirectory::new(cognito.dynamodb(), table.clone());
        Stage { stack, s3, bucket, table, directory }
    }

    fn forgetter(&self, action: FolderAction) -> Forgetter {
        self.forgetter_with(action, aws_sdk_cognitoidentity::Client::new(self.stack.cognito.sdk_config()))
    }

    fn forgetter_with(&self, action: FolderAction, cognito: aws_sdk_cognitoidentity::Client) -> Forgetter {
        Forgetter {
            cognito,
            s3: self.s3.clone(),
            bucket: self.bucket.clone(),
            directory: self.directory.clone(),
            action,
            pace: Duration::ZERO,
            page_size: 1000,
        }
    }

    fn pool(&self) -> UserPoolId {
        UserPoolId::parse(&self.stack.pool_id).unwrap()
    }

    /// A signed-in user with a real IdentityId, linked in the directory, with `objects`
    /// objects in their folder (each tagged with our owner tags and one tag of their own).
    async fn user(&self, username: &str, objects: usize) -> (String, IdentityId, String) {
        let user = self.stack.create_user(username).await;
        let tokens = self.stack.sign_in(&user).await;
        let identity_id = IdentityId::parse(&self.stack.get_id(&tokens.id_token).await.unwrap()).unwrap();
        let link = NewLink {
            identity_id: identity_id.clone(),
            user_pool_id: self.pool(),
            sub: user.sub.clone(),
            username: username.to_owned(),
            linked_at: now(),
        };
        self.directory.record_link(&link).await.unwrap();
        let tags = Tagging::builder()
            .tag_set(Tag::builder().key("project").value("apollo").build().unwrap())
            .tag_set(Tag::builder().key("owner-sub").value(&user.sub).build().unwrap())
            .tag_set(Tag::builder().key("owner-username").value(username).build().unwrap())
            .build()
            .unwrap();
        for n in 0..objects {
            let key = format!("private/{identity_id}/file-{n:04}.txt");
            self.s3
                .put_object()
                .bucket(&self.bucket)
                .key(&key)
                .body(ByteStream::from_static(b"hello"))
                .send()
                .await
                .unwrap();
            self.s3.put_object_tagging().bucket(&self.bucket).key(&key).tagging(tags.clone()).send().await.unwrap();
        }
        (user.sub, identity_id, tokens.id_token)
    }

    /// Every call of the emulator's log that concerns this stage: S3 calls on its bucket
    /// by kind, DynamoDB calls on its table by operation, and `DeleteIdentities`.
    async fn calls(&self) -> BTreeMap<String, usize> {
        let mut calls = BTreeMap::new();
        for call in self.stack.cognito.all_calls().await {
            let name = if call.table.as_deref() == Some(self.table.as_str()) {
                format!("dynamodb {}", call.operation)
            } else if call.operation == "DeleteIdentities" {
                "cognito-identity DeleteIdentities".to_owned()
            } else if let Some((method, path)) = call.operation.split_once(' ') {
                let Some(rest) = path.strip_prefix(&format!("/{}", self.bucket)) else { continue };
                let object = !rest.trim_start_matches('/').is_empty();
                match (method, object) {
                    ("GET", false) => "s3 List (ListObjectsV2 or ListObjectVersions)",
                    ("POST", false) => "s3 DeleteObjects",
                    ("GET", true) => "s3 GetObjectTagging",
                    ("PUT", true) => "s3 PutObjectTagging",
                    ("DELETE", true) => "s3 DeleteObjectTagging",
                    _ => "s3 other",
                }
                .to_owned()
            } else {
                continue;
            };
            *calls.entry(name).or_default() += 1;
        }
        calls
    }

    async fn tags(&self, key: &str) -> Vec<(String, String)> {
        let output = self.s3.get_object_tagging().bucket(&self.bucket).key(key).send().await.unwrap();
        output.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect()
    }
}

fn minus(after: &BTreeMap<String, usize>, before: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    after.iter().map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0))).filter(|(_, v)| *v > 0).collect()
}

fn count(calls: &BTreeMap<String, usize>, name: &str) -> usize {
    calls.get(name).copied().unwrap_or(0)
}

async fn forget_keep(objects: usize) -> BTreeMap<String, usize> {
    let stage = Stage::new("fkeep", false).await;
    let (sub, identity_id, id_token) = stage.user("ada", objects).await;
    let forgetter = stage.forgetter(FolderAction::Keep);
    let before = stage.calls().await;
    let Forgot::Forgotten(report) = forgetter.forget(&stage.pool(), &sub, now()).await.unwrap() else {
        panic!("expected forgotten")
    };
    let calls = minus(&stage.calls().await, &before);
    assert_eq!((report.identities, report.folder.untagged as usize), (1, objects));
    // Only our tags are gone; the user's own tag is kept.
    let key = format!("private/{identity_id}/file-0000.txt");
    assert_eq!(stage.tags(&key).await, [("project".to_owned(), "apollo".to_owned())]);
    // The directory items are gone and the tombstones hold no personal data.
    assert_eq!(stage.directory.get_by_user(&stage.pool(), &sub).await.unwrap(), None);
    assert_eq!(stage.directory.get_by_identity_id(&identity_id).await.unwrap(), None);
    assert!(stage.directory.is_forgotten_user(&stage.pool(), &sub).await.unwrap());
    assert!(stage.directory.is_forgotten_identity(&identity_id).await.unwrap());
    let scan = stage.stack.cognito.dynamodb().scan().table_name(&stage.table).send().await.unwrap();
    let text = format!("{:?}", scan.items());
    assert!(!text.contains("ada") && !text.contains(identity_id.as_str()), "{text}");
    // The identity is gone: no credentials for the old id.
    let refused = stage
        .stack
        .cognito
        .identity()
        .get_credentials_for_identity()
        .identity_id(identity_id.as_str())
        .logins(&stage.stack.provider_name, &id_token)
        .send()
        .await;
    assert!(refused.is_err(), "GetCredentialsForIdentity answered for a deleted identity");
    calls
}

#[tokio::test]
async fn keep_removes_only_our_tags_then_the_items_and_counts_its_calls() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let calls = forget_keep(50).await;
    println!("forget, keep, 50 objects: {calls:?}");
    assert_eq!(count(&calls, "cognito-identity DeleteIdentities"), 1);
    assert_eq!(count(&calls, "s3 List (ListObjectsV2 or ListObjectVersions)"), 1);
    assert_eq!(count(&calls, "s3 GetObjectTagging"), 50);
    assert_eq!(count(&calls, "s3 PutObjectTagging"), 50);
    assert_eq!(count(&calls, "dynamodb TransactWriteItems"), 1);
    assert_eq!(count(&calls, "dynamodb Scan"), 1);
    assert!(count(&calls, "dynamodb GetItem") <= 7, "{calls:?}");
}

async fn forget_delete(objects: usize) -> BTreeMap<String, usize> {
    let stage = Stage::new("fdel", true).await;
    let (sub, identity_id, _) = stage.user("bob", objects).await;
    // A second version of one object and a delete marker on another.
    let first = format!("private/{identity_id}/file-0000.txt");
    stage.s3.put_object().bucket(&stage.bucket).key(&first).body(ByteStream::from_static(b"v2")).send().await.unwrap();
    stage
        .s3
        .delete_object()
        .bucket(&stage.bucket)
        .key(format!("private/{identity_id}/file-0001.txt"))
        .send()
        .await
        .unwrap();
    // Someone else's folder stays.
    let (_, other, _) = stage.user("carol", 1).await;
    let forgetter = stage.forgetter(FolderAction::Delete);
    let before = stage.calls().await;
    let Forgot::Forgotten(report) = forgetter.forget(&stage.pool(), &sub, now()).await.unwrap() else {
        panic!("expected forgotten")
    };
    let calls = minus(&stage.calls().await, &before);
    assert_eq!(report.folder.deleted as usize, objects + 2, "every version and the delete marker");
    let left = stage
        .s3
        .list_object_versions()
        .bucket(&stage.bucket)
        .prefix(format!("private/{identity_id}/"))
        .send()
        .await
        .unwrap();
    assert!(left.versions().is_empty() && left.delete_markers().is_empty());
    let others =
        stage.s3.list_objects_v2().bucket(&stage.bucket).prefix(format!("private/{other}/")).send().await.unwrap();
    assert_eq!(others.contents().len(), 1);
    calls
}

#[tokio::test]
async fn delete_removes_every_version_in_batches_and_counts_its_calls() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let calls = forget_delete(50).await;
    println!("forget, delete, 50 objects: {calls:?}");
    assert_eq!(count(&calls, "cognito-identity DeleteIdentities"), 1);
    // One page with the 52 versions, one DeleteObjects, one empty listing.
    assert_eq!(count(&calls, "s3 List (ListObjectsV2 or ListObjectVersions)"), 2);
    assert_eq!(count(&calls, "s3 DeleteObjects"), 1);
    assert_eq!(count(&calls, "s3 GetObjectTagging") + count(&calls, "s3 PutObjectTagging"), 0);
    assert_eq!(count(&calls, "dynamodb TransactWriteItems"), 1);
}

/// The calls per object of one forget in both modes: 20 objects in `make test`, the
/// documented 1,000 with `COGNITO_BRIDGE_MEASURE=full` (a few minutes).
#[tokio::test]
async fn the_calls_of_one_forget_per_object() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let objects = scaled(20, 1000);
    let keep = forget_keep(objects).await;
    println!("forget, keep, {objects} objects: {keep:?}");
    // Two S3 calls per object (S3 has no batch tagging), one listing per 1,000 keys.
    assert_eq!(count(&keep, "s3 GetObjectTagging"), objects);
    assert_eq!(count(&keep, "s3 PutObjectTagging"), objects);
    assert_eq!(count(&keep, "s3 List (ListObjectsV2 or ListObjectVersions)"), objects.div_ceil(1000));
    assert_eq!(count(&keep, "cognito-identity DeleteIdentities"), 1);
    assert_eq!(count(&keep, "dynamodb TransactWriteItems"), 1);
    let delete = forget_delete(objects).await;
    println!("forget, delete, {objects} objects: {delete:?}");
    // The objects, a second version and a delete marker: one DeleteObjects per 1,000
    // versions, one listing per DeleteObjects and one that finds nothing left.
    let versions = objects + 2;
    assert_eq!(count(&delete, "s3 DeleteObjects"), versions.div_ceil(1000));
    assert_eq!(count(&delete, "s3 List (ListObjectsV2 or ListObjectVersions)"), versions.div_ceil(1000) + 1);
    assert_eq!(count(&delete, "s3 GetObjectTagging") + count(&delete, "s3 PutObjectTagging"), 0);
    assert_eq!(count(&delete, "cognito-identity DeleteIdentities"), 1);
    assert_eq!(count(&delete, "dynamodb TransactWriteItems"), 1);
}

#[tokio::test]
async fn a_second_forget_finds_the_tombstone_and_writes_nothing() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let stage = Stage::new("fagain", false).await;
    let (sub, identity_id, _) = stage.user("dora", 2).await;
    let forgetter = stage.forgetter(FolderAction::Keep);
    assert!(matches!(forgetter.forget(&stage.pool(), &sub, now()).await.unwrap(), Forgot::Forgotten(_)));
    let before = stage.calls().await;
    assert_eq!(forgetter.forget(&stage.pool(), &sub, now()).await.unwrap(), Forgot::AlreadyForgotten);
    let calls = minus(&stage.calls().await, &before);
    assert!(calls.keys().all(|k| k == "dynamodb GetItem" || k == "dynamodb Scan"), "{calls:?}");
    // A replayed link for that user is refused, and nothing comes back.
    let link = NewLink {
        identity_id,
        user_pool_id: stage.pool(),
        sub: sub.clone(),
        username: "dora".into(),
        linked_at: now(),
    };
    assert!(matches!(stage.directory.record_link(&link).await, Err(DirectoryError::Forgotten)));
    assert_eq!(stage.directory.get_by_user(&stage.pool(), &sub).await.unwrap(), None);
}

#[tokio::test]
async fn an_unknown_user_is_not_found_and_nothing_is_written() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let stage = Stage::new("funknown", false).await;
    let forgetter = stage.forgetter(FolderAction::Delete);
    let before = stage.calls().await;
    let sub = "00000000-0000-4000-8000-00000000dead";
    assert_eq!(forgetter.forget(&stage.pool(), sub, now()).await.unwrap(), Forgot::NotFound);
    let calls = minus(&stage.calls().await, &before);
    assert!(calls.keys().all(|k| k == "dynamodb GetItem" || k == "dynamodb Scan"), "{calls:?}");
    assert!(!stage.directory.is_forgotten_user(&stage.pool(), sub).await.unwrap());
}

#[tokio::test]
async fn unprocessed_identities_are_retried_and_never_reported_early() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let stage = Stage::new("funproc", false).await;
    let (sub, identity_id, _) = stage.user("erin", 1).await;
    // Once unprocessed (the emulator's switch): the retry deletes it.
    let endpoint = &stage.stack.cognito.endpoint;
    let armed = tokio::process::Command::new("curl")
        .args(["-sf", "-X", "POST", "-H", "content-type: application/json"])
        .arg(format!("{endpoint}/_emulator/identities/unprocessed"))
        .arg("-d")
        .arg(format!(r#"{{"identityIds":["{identity_id}"]}}"#))
        .output()
        .await
        .unwrap();
    assert!(armed.status.success());
    let before = stage.calls().await;
    let Forgot::Forgotten(report) =
        stage.forgetter(FolderAction::Keep).forget(&stage.pool(), &sub, now()).await.unwrap()
    else {
        panic!("expected forgotten")
    };
    assert_eq!(report.delete_identities_calls, 2);
    let calls = minus(&stage.calls().await, &before);
    assert_eq!(count(&calls, "cognito-identity DeleteIdentities"), 2);
}

#[tokio::test]
async fn identities_left_unprocessed_fail_the_forget_and_keep_the_user() {
    use aws_sdk_cognitoidentity::operation::delete_identities::DeleteIdentitiesOutput;
    use aws_sdk_cognitoidentity::types::{ErrorCode, UnprocessedIdentityId};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    let _turn = ONE_AT_A_TIME.lock().await;
    let stage = Stage::new("fstuck", false).await;
    let (sub, identity_id, _) = stage.user("fred", 1).await;
    let id = identity_id.as_str().to_owned();
    let stuck = mock!(aws_sdk_cognitoidentity::Client::delete_identities).then_output(move || {
        DeleteIdentitiesOutput::builder()
            .unprocessed_identity_ids(
                UnprocessedIdentityId::builder().identity_id(&id).error_code(ErrorCode::InternalServerError).build(),
            )
            .build()
    });
    let cognito = mock_client!(aws_sdk_cognitoidentity, RuleMode::MatchAny, [&stuck]);
    let result = stage.forgetter_with(FolderAction::Keep, cognito).forget(&stage.pool(), &sub, now()).await;
    assert!(matches!(result, Err(ForgetError::Unprocessed(1))), "{result:?}");
    assert_eq!(stuck.num_calls(), forget::identity_deletion::MAX_DELETE_ATTEMPTS as usize);
    // Not forgotten: the user and their tags are all still there, for the next run.
    assert!(stage.directory.get_by_user(&stage.pool(), &sub).await.unwrap().is_some());
    assert!(!stage.directory.is_forgotten_user(&stage.pool(), &sub).await.unwrap());
    let key = format!("private/{identity_id}/file-0000.txt");
    assert_eq!(stage.tags(&key).await.len(), 3);
    // The next run (Cognito healthy again) finishes.
    assert!(matches!(
        stage.forgetter(FolderAction::Keep).forget(&stage.pool(), &sub, now()).await.unwrap(),
        Forgot::Forgotten(_)
    ));
}

/// The emulator's S3 fault switch (`/_emulator/s3-faults`, tests/emulator/s3_faults.py):
/// `POST` arms a fault, `GET` lists them with their counts, `DELETE` clears this bucket's.
async fn s3_faults(stage: &Stage, method: &str, body: Option<serde_json::Value>) -> serde_json::Value {
    let endpoint = &stage.stack.cognito.endpoint;
    let url = match method {
        "DELETE" => format!("{endpoint}/_emulator/s3-faults?bucket={}", stage.bucket),
        _ => format!("{endpoint}/_emulator/s3-faults"),
    };
    let mut command = tokio::process::Command::new("curl");
    command.args(["-sf", "-X", method, "-H", "content-type: application/json"]).arg(url);
    if let Some(body) = body {
        command.arg("-d").arg(body.to_string());
    }
    let output = command.output().await.unwrap();
    assert!(output.status.success(), "s3-faults {method}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The requests the armed faults of this stage's bucket answered with an error.
async fn s3_faults_injected(stage: &Stage) -> usize {
    let faults = s3_faults(stage, "GET", None).await;
    faults["faults"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|fault| fault["bucket"] == stage.bucket.as_str())
        .map(|fault| fault["injected"].as_u64().unwrap() as usize)
        .sum()
}

const LISTS: &str = "s3 List (ListObjectsV2 or ListObjectVersions)";

#[tokio::test]
async fn s3_throttling_mid_folder_fails_keep_and_the_next_run_resumes_from_the_saved_page() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let stage = Stage::new("fslowkeep", false).await;
    let (sub, identity_id, _) = stage.user("gina", 30).await;
    let key = |n: usize| format!("private/{identity_id}/file-{n:04}.txt");
    let mut forgetter = stage.forgetter(FolderAction::Keep);
    forgetter.page_size = 10;
    // Every tag write after the 15th answers 503 SlowDown, the SDK's retries included:
    // page 1 is done and saved, page 2 fails half-way.
    let fault = serde_json::json!({"bucket": stage.bucket, "operation": "PutObjectTagging", "after": 15});
    s3_faults(&stage, "POST", Some(fault)).await;
    let before = stage.calls().await;
    let first = forgetter.forget(&stage.pool(), &sub, now()).await;
    let first_calls = minus(&stage.calls().await, &before);
    let faulted = s3_faults_injected(&stage).await;
    s3_faults(&stage, "DELETE", None).await;

    let Err(ForgetError::S3(failure)) = &first else { panic!("expected S3's throttling: {first:?}") };
    assert_eq!((failure.code.as_str(), failure.kind), ("SlowDown", FailureKind::Throttled), "{failure}");
    assert!(failure.kind.retry_after_secs().is_some(), "a retryable failure");
    assert!(faulted >= 2, "the SDK retried the throttled call ({faulted} faulted attempts)");
    // Not forgotten, not even partly in the directory: the user, no tombstone, and the
    // position after page 1.
    assert!(stage.directory.get_by_user(&stage.pool(), &sub).await.unwrap().is_some());
    assert!(!stage.directory.is_forgotten_user(&stage.pool(), &sub).await.unwrap());
    assert!(!stage.directory.is_forgotten_identity(&identity_id).await.unwrap());
    let saved = stage.directory.forget_progress(&stage.pool(), &sub).await.unwrap();
    assert_eq!(saved, Some(ForgetProgress { identity_id: identity_id.clone(), start_after: key(9) }));
    assert_eq!(stage.tags(&key(14)).await.len(), 1, "untagged before the fault");
    assert_eq!(stage.tags(&key(15)).await.len(), 3, "still tagged");
    assert_eq!(count(&first_calls, LISTS), 2);
    assert_eq!(count(&first_calls, "s3 GetObjectTagging"), 16);
    assert_eq!(count(&first_calls, "s3 PutObjectTagging") - faulted, 15);

    // S3 healthy again: the next run lists from the saved key, so page 1's ten objects are
    // neither listed nor read again, and only the 15 still tagged are written.
    let before = stage.calls().await;
    let Forgot::Forgotten(report) = forgetter.forget(&stage.pool(), &sub, now()).await.unwrap() else {
        panic!("expected forgotten")
    };
    let second = minus(&stage.calls().await, &before);
    println!(
        "keep, 30 objects, pages of 10, SlowDown from the 16th tag write: first run {first_calls:?} \
         ({faulted} faulted attempts), second run {second:?}"
    );
    assert_eq!(report.folder.untagged, 15);
    assert_eq!(count(&second, LISTS), 2, "pages 2 and 3, not page 1");
    assert_eq!(count(&second, "s3 GetObjectTagging"), 20, "page 1 not read again");
    assert_eq!(count(&second, "s3 PutObjectTagging"), 15);
    for n in 0..30 {
        assert_eq!(stage.tags(&key(n)).await, [("project".to_owned(), "apollo".to_owned())], "{n}");
    }
    assert!(stage.directory.is_forgotten_user(&stage.pool(), &sub).await.unwrap());
    assert_eq!(stage.directory.forget_progress(&stage.pool(), &sub).await.unwrap(), None);
}

#[tokio::test]
async fn s3_throttling_mid_folder_fails_delete_and_the_next_run_deletes_only_what_is_left() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let stage = Stage::new("fslowdel", true).await;
    let (sub, identity_id, _) = stage.user("hal", 30).await;
    let mut forgetter = stage.forgetter(FolderAction::Delete);
    forgetter.page_size = 10;
    // The first page's DeleteObjects goes through; every later one answers SlowDown.
    let fault = serde_json::json!({"bucket": stage.bucket, "operation": "DeleteObjects", "after": 1});
    s3_faults(&stage, "POST", Some(fault)).await;
    let before = stage.calls().await;
    let first = forgetter.forget(&stage.pool(), &sub, now()).await;
    let first_calls = minus(&stage.calls().await, &before);
    let faulted = s3_faults_injected(&stage).await;
    s3_faults(&stage, "DELETE", None).await;

    let Err(ForgetError::S3(failure)) = &first else { panic!("expected S3's throttling: {first:?}") };
    assert_eq!((failure.code.as_str(), failure.kind), ("SlowDown", FailureKind::Throttled), "{failure}");
    assert!(faulted >= 2, "the SDK retried the throttled call ({faulted} faulted attempts)");
    assert!(stage.directory.get_by_user(&stage.pool(), &sub).await.unwrap().is_some());
    assert!(!stage.directory.is_forgotten_user(&stage.pool(), &sub).await.unwrap());
    let left = |stage: &Stage| {
        let prefix = format!("private/{identity_id}/");
        let (s3, bucket) = (stage.s3.clone(), stage.bucket.clone());
        async move { s3.list_object_versions().bucket(bucket).prefix(prefix).send().await.unwrap().versions().len() }
    };
    assert_eq!(left(&stage).await, 20, "page 1 deleted, the rest kept for the next run");
    assert_eq!(count(&first_calls, LISTS), 2);
    assert_eq!(count(&first_calls, "s3 DeleteObjects") - faulted, 1);

    // The listing is the progress: the next run finds the 20 left, in two pages.
    let before = stage.calls().await;
    let Forgot::Forgotten(report) = forgetter.forget(&stage.pool(), &sub, now()).await.unwrap() else {
        panic!("expected forgotten")
    };
    let second = minus(&stage.calls().await, &before);
    println!(
        "delete, 30 objects, pages of 10, SlowDown from the 2nd DeleteObjects: first run {first_calls:?} \
         ({faulted} faulted attempts), second run {second:?}"
    );
    assert_eq!(report.folder.deleted, 20, "page 1's versions are not deleted twice");
    assert_eq!(count(&second, "s3 DeleteObjects"), 2);
    assert_eq!(count(&second, LISTS), 3, "two pages and the empty listing that ends it");
    assert_eq!(left(&stage).await, 0);
    assert!(stage.directory.is_forgotten_user(&stage.pool(), &sub).await.unwrap());
}
