//! `upload`, `ls`, `usage` and `whois s3://…` against the local emulator's S3 and
//! DynamoDB, through the real SDK: the user's own folder with their identity pool
//! credentials, the directory's counters, the owner tags next to the directory's answer.

use aws_sdk_s3::primitives::ByteStream;
use directory::{
    FolderSub, IdentityDirectory, IdentityId, NewLink, ObjectChange, ObjectChangeEvent, ObjectEvent, Sequencer,
    SubUsageChange, UsageAccount, UserPoolId,
};
use serde_json::json;
use test_support::local_cognito::{LocalCognito, TestStack, TestUser, unique_name};

use crate::harness::Cli;

struct Folder {
    stack: TestStack,
    user: TestUser,
    identity_id: String,
    bucket: String,
    table: String,
    s3: aws_sdk_s3::Client,
    cli: Cli,
}

/// A stack with a bucket and a directory, one signed-in user whose IdentityId is linked.
async fn folder(prefix: &str) -> Folder {
    let cognito = LocalCognito::from_env().await;
    let name = unique_name(prefix);
    let stack = cognito.create_stack(&name).await;
    let table = stack.cognito.create_directory_table(&name).await;
    let s3 = aws_sdk_s3::Client::new(stack.cognito.sdk_config());
    let bucket = format!("{name}-bucket").to_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.expect("CreateBucket");
    let user = stack.create_user("pia").await;
    let identity_id = stack.get_id(&stack.sign_in(&user).await.id_token).await.unwrap();
    let link = NewLink {
        identity_id: IdentityId::parse(&identity_id).unwrap(),
        user_pool_id: UserPoolId::parse(&stack.pool_id).unwrap(),
        sub: user.sub.clone(),
        username: user.username.clone(),
        linked_at: 1,
    };
    directory(&stack, &table).record_link(&link).await.expect("record_link");
    let cli =
        Cli::for_stack(&stack).with("COGNITO_BRIDGE_DIRECTORY_TABLE", &table).with("COGNITO_BRIDGE_BUCKET", &bucket);
    cli.login(&user).await.ok();
    Folder { stack, user, identity_id, bucket, table, s3, cli }
}

fn directory(stack: &TestStack, table: &str) -> IdentityDirectory {
    IdentityDirectory::new(stack.cognito.dynamodb(), table)
}

impl Folder {
    fn file(&self, name: &str, body: &str) -> String {
        let path = self.cli.cache_dir().with_file_name(name);
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    }

    async fn body_of(&self, key: &str) -> String {
        let object = self.s3.get_object().bucket(&self.bucket).key(key).send().await.expect("GetObject");
        String::from_utf8(object.body.collect().await.unwrap().into_bytes().to_vec()).unwrap()
    }
}

#[tokio::test]
async fn upload_puts_the_file_in_the_users_own_private_folder() {
    let f = folder("cli-upload").await;
    let file = f.file("notes.txt", "hello from pia");

    let answer = f.cli.run(&["--json", "upload", &file]).await.json();
    let key = format!("private/{}/notes.txt", f.identity_id);
    assert_eq!(answer["key"], key.as_str());
    assert_eq!(answer["uri"], format!("s3://{}/{key}", f.bucket));
    assert_eq!(answer["identityId"], f.identity_id.as_str());
    assert_eq!(answer["bytes"], 14);
    assert_eq!(f.body_of(&key).await, "hello from pia");

    let named = f.cli.run(&["upload", &file, "--key", "docs/ünï code.txt"]).await;
    assert!(named.ok().starts_with(&format!("uploaded s3://{}/private/{}/docs/ünï code.txt", f.bucket, f.identity_id)));
    assert_eq!(f.body_of(&format!("private/{}/docs/ünï code.txt", f.identity_id)).await, "hello from pia");

    // Bad input: a clear line, exit 2, no call made.
    let line = f.cli.run(&["upload", &file, "--key", "../escape.txt"]).await.error(2);
    assert!(line.contains("has an empty, '.' or '..' part"), "{line}");
    let line = f.cli.run(&["upload", "/no/such/file"]).await.error(2);
    assert!(line.contains("cannot read /no/such/file"), "{line}");
    let line = f.cli.run_in_env(&["upload", &file], "COGNITO_BRIDGE_BUCKET", "").await.error(2);
    assert!(line.contains("the bucket is not set; pass --bucket or set COGNITO_BRIDGE_BUCKET"), "{line}");
    let line = f.cli.run_in_env(&["upload", &file], "COGNITO_BRIDGE_BUCKET", "no-such-bucket-cli").await.error(1);
    assert!(line.contains("no bucket no-such-bucket-cli"), "{line}");
}

#[tokio::test]
async fn ls_lists_only_the_users_own_objects() {
    let f = folder("cli-ls").await;
    let other = "us-east-1:00000000-0000-4000-8000-0000000000aa";
    f.s3.put_object()
        .bucket(&f.bucket)
        .key(format!("private/{other}/theirs.txt"))
        .body(ByteStream::from_static(b"not pia's"))
        .send()
        .await
        .unwrap();
    let empty = f.cli.run(&["--json", "ls"]).await.json();
    assert_eq!(empty["count"], 0);
    f.cli.run(&["upload", &f.file("a.txt", "aaa"), "--key", "a.txt"]).await.ok();
    f.cli.run(&["upload", &f.file("b.txt", "bbbbb"), "--key", "dir/b.txt"]).await.ok();

    let listed = f.cli.run(&["--json", "ls"]).await.json();
    let prefix = format!("private/{}/", f.identity_id);
    assert_eq!(listed["prefix"], prefix.as_str());
    assert_eq!(listed["count"], 2);
    assert_eq!(listed["bytes"], 8);
    let names: Vec<&str> = listed["objects"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a.txt", "dir/b.txt"]);
    assert_eq!(listed["objects"][1]["key"], format!("{prefix}dir/b.txt"));

    let text = f.cli.run(&["ls"]).await;
    let text = text.ok();
    assert!(text.starts_with(&format!("s3://{}/{prefix}: 2 object(s), 8 bytes", f.bucket)), "{text}");
    assert!(!text.contains("theirs.txt"), "{text}");
}

#[tokio::test]
async fn usage_reads_the_directory_counters_by_user_sub_or_identity_id() {
    let f = folder("cli-usage").await;
    let dir = directory(&f.stack, &f.table);
    let id = IdentityId::parse(&f.identity_id).unwrap();
    for (n, size) in [(1u8, 100u64), (2, 23)] {
        let event = ObjectEvent {
            bucket: f.bucket.clone(),
            key: format!("private/{}/{n}.bin", f.identity_id),
            sequencer: format!("00{n:02X}"),
            size,
        };
        dir.add_usage(&id, UsageAccount::Linked, &event, 1).await.unwrap();
    }
    // Her users/<sub>/ folder (the sub layout), counted by object-owner's ledger.
    let sub = FolderSub::parse(&f.user.sub).unwrap();
    let change = SubUsageChange {
        sub: sub.clone(),
        event: ObjectChangeEvent {
            bucket: f.bucket.clone(),
            key: format!("users/{}/s.bin", f.user.sub),
            sequencer: Sequencer::parse("0B").unwrap(),
            change: ObjectChange::Stored { size: 40 },
        },
        redelivered: false,
    };
    assert!(dir.record_sub_usage_changes(&[change], 1).await[0].is_ok());
    let expected = json!({
        "attributed": true, "linked": true, "username": "pia", "sub": f.user.sub, "identityId": f.identity_id,
        "objects": 2, "bytes": 123,
        "subFolder": {"prefix": format!("users/{}/", f.user.sub), "objects": 1, "bytes": 40},
    });
    assert_eq!(f.cli.run(&["--json", "usage", "pia"]).await.json(), expected);
    assert_eq!(f.cli.run(&["--json", "usage", &f.user.sub]).await.json(), expected);
    assert_eq!(f.cli.run(&["--json", "usage", &f.identity_id]).await.json(), expected);
    let text = f.cli.run(&["usage", "pia"]).await;
    assert!(text.ok().contains("objects      2\n  bytes        123"), "{}", text.ok());
    assert!(text.ok().contains("1 object(s), 40 bytes"), "{}", text.ok());

    // An IdentityId no user is linked to: its unattributed counters.
    let stranger = IdentityId::parse("us-east-1:00000000-0000-4000-8000-0000000000bb").unwrap();
    let event = ObjectEvent {
        bucket: f.bucket.clone(),
        key: format!("private/{}/x", stranger.as_str()),
        sequencer: "0A".into(),
        size: 7,
    };
    dir.add_usage(&stranger, UsageAccount::Unattributed, &event, 1).await.unwrap();
    assert_eq!(
        f.cli.run(&["--json", "usage", stranger.as_str()]).await.json(),
        json!({"attributed": false, "identityId": stranger.as_str(), "objects": 1, "bytes": 7})
    );

    // A user who never linked: nothing in the IdentityId layout; in the sub layout, the
    // counters of their users/<sub>/ folder, which IAM names without a link.
    let quinn = f.stack.create_user("quinn").await;
    let line = f.cli.run(&["usage", "quinn"]).await.error(1);
    assert!(line.contains("the directory links no IdentityId to sub"), "{line}");
    let quinn_sub = FolderSub::parse(&quinn.sub).unwrap();
    let change = SubUsageChange {
        sub: quinn_sub,
        event: ObjectChangeEvent {
            bucket: f.bucket.clone(),
            key: format!("users/{}/q.bin", quinn.sub),
            sequencer: Sequencer::parse("0C").unwrap(),
            change: ObjectChange::Stored { size: 9 },
        },
        redelivered: false,
    };
    assert!(dir.record_sub_usage_changes(&[change], 1).await[0].is_ok());
    let unlinked = |username: serde_json::Value| {
        json!({
            "attributed": true, "linked": false, "username": username, "sub": quinn.sub, "identityId": null,
            "subFolder": {"prefix": format!("users/{}/", quinn.sub), "objects": 1, "bytes": 9},
        })
    };
    let in_sub_layout = |args: &'static [&'static str]| f.cli.run_in_env(args, "COGNITO_BRIDGE_FOLDER_LAYOUT", "sub");
    assert_eq!(in_sub_layout(&["--json", "usage", "quinn"]).await.json(), unlinked(json!("quinn")));
    let by_sub = f.cli.run_in_env(&["--json", "usage", &quinn.sub], "COGNITO_BRIDGE_FOLDER_LAYOUT", "sub").await;
    assert_eq!(by_sub.json(), unlinked(json!(null)));
    let text = in_sub_layout(&["usage", "quinn"]).await;
    assert!(text.ok().contains("1 object(s), 9 bytes"), "{}", text.ok());

    let line = f.cli.run(&["usage", "nobody"]).await.error(1);
    assert!(line.contains("no user of pool"), "{line}");
    let line = f.cli.run_in_env(&["usage", "pia"], "COGNITO_BRIDGE_DIRECTORY_TABLE", "").await.error(2);
    assert!(line.contains("the directory table is not set; pass --directory-table"), "{line}");
}

#[tokio::test]
async fn whois_on_an_s3_uri_shows_the_objects_owner_tags_next_to_the_directory() {
    let f = folder("cli-whois-tags").await;
    let key = format!("private/{}/photo.jpg", f.identity_id);
    f.s3.put_object()
        .bucket(&f.bucket)
        .key(&key)
        .body(ByteStream::from_static(b"jpeg"))
        .tagging(format!("project=apollo&owner-sub={}&owner-username=pia", f.user.sub))
        .send()
        .await
        .unwrap();
    let uri = format!("s3://{}/{key}", f.bucket);

    let answer = f.cli.run(&["--json", "whois", &uri]).await.json();
    assert_eq!(answer["username"], "pia");
    assert_eq!(answer["lookup"]["source"], "directory");
    assert_eq!(answer["object"], true);
    assert_eq!(answer["ownerTags"], json!({"owner-sub": f.user.sub, "owner-username": "pia"}));
    let text = f.cli.run(&["whois", &uri]).await;
    assert!(text.ok().contains(&format!("owner tags   owner-sub={}, owner-username=pia", f.user.sub)), "{}", text.ok());

    // Not yet tagged, and not there at all.
    let untagged = format!("private/{}/new.txt", f.identity_id);
    f.s3.put_object().bucket(&f.bucket).key(&untagged).body(ByteStream::from_static(b"n")).send().await.unwrap();
    let answer = f.cli.run(&["--json", "whois", &format!("s3://{}/{untagged}", f.bucket)]).await.json();
    assert_eq!(answer["ownerTags"], json!({}));
    let missing =
        f.cli.run(&["--json", "whois", &format!("s3://{}/private/{}/gone.txt", f.bucket, f.identity_id)]).await;
    let missing = missing.json();
    assert_eq!(missing["object"], false);
    assert_eq!(missing["ownerTags"], serde_json::Value::Null);
    // A bare IdentityId asks the directory only.
    assert!(f.cli.run(&["--json", "whois", &f.identity_id]).await.json().get("ownerTags").is_none());
}
