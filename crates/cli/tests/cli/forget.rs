//! `forget` against the local emulator: with `--yes` in keep mode the user's directory
//! items are replaced by a tombstone, our owner tags are removed (the user's own tag
//! stays) and `whois` says forgotten; a second run says already forgotten; an unknown user
//! is exit 5 and no `--yes` without a terminal is exit 2, both with nothing written.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Tag, Tagging};
use directory::{IdentityDirectory, IdentityId, NewLink, UserPoolId};
use test_support::local_cognito::{LocalCognito, TestStack, TestUser, unique_name};

use crate::harness::Cli;

struct Stage {
    stack: TestStack,
    table: String,
    bucket: String,
    s3: aws_sdk_s3::Client,
    directory: IdentityDirectory,
    user: TestUser,
    identity_id: IdentityId,
    key: String,
}

/// A linked user with one object in their folder, tagged with our owner tags and one of their own.
async fn stage(name: &str) -> Stage {
    let cognito = LocalCognito::from_env().await;
    let unique = unique_name("cli-forget");
    let stack = cognito.create_stack(&unique).await;
    let table = stack.cognito.create_directory_table(&unique).await;
    let s3 = aws_sdk_s3::Client::new(stack.cognito.sdk_config());
    let bucket = format!("{unique}-bucket").to_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.expect("CreateBucket");
    let directory = IdentityDirectory::new(stack.cognito.dynamodb(), table.clone());
    let user = stack.create_user(name).await;
    let identity_id = IdentityId::parse(&stack.get_id(&stack.sign_in(&user).await.id_token).await.unwrap()).unwrap();
    let link = NewLink {
        identity_id: identity_id.clone(),
        user_pool_id: UserPoolId::parse(&stack.pool_id).unwrap(),
        sub: user.sub.clone(),
        username: name.into(),
        linked_at: 1,
    };
    directory.record_link(&link).await.unwrap();
    let key = format!("private/{identity_id}/notes.txt");
    s3.put_object().bucket(&bucket).key(&key).body(ByteStream::from_static(b"hello")).send().await.unwrap();
    let tags = Tagging::builder()
        .tag_set(Tag::builder().key("project").value("apollo").build().unwrap())
        .tag_set(Tag::builder().key("owner-sub").value(&user.sub).build().unwrap())
        .tag_set(Tag::builder().key("owner-username").value(name).build().unwrap())
        .build()
        .unwrap();
    s3.put_object_tagging().bucket(&bucket).key(&key).tagging(tags).send().await.unwrap();
    Stage { stack, table, bucket, s3, directory, user, identity_id, key }
}

impl Stage {
    fn cli(&self) -> Cli {
        Cli::for_stack(&self.stack)
            .with("COGNITO_BRIDGE_DIRECTORY_TABLE", &self.table)
            .with("COGNITO_BRIDGE_BUCKET", &self.bucket)
    }

    fn pool(&self) -> UserPoolId {
        UserPoolId::parse(&self.stack.pool_id).unwrap()
    }

    /// The calls that change something of this stage (other tests run alongside): directory
    /// writes, `DeleteIdentities` on its identity pool, tag and object writes in its bucket.
    async fn writes(&self) -> usize {
        let calls = self.stack.cognito.all_calls().await;
        calls
            .iter()
            .filter(|c| {
                let table_write = c.table.as_deref() == Some(self.table.as_str())
                    && !matches!(c.operation.as_str(), "GetItem" | "Query" | "Scan" | "BatchGetItem");
                let bucket_write = c.operation.split_once(' ').is_some_and(|(method, path)| {
                    method != "GET" && method != "HEAD" && path.starts_with(&format!("/{}", self.bucket))
                });
                let identity_write = c.operation == "DeleteIdentities"
                    && c.pool.as_deref() == Some(self.stack.identity_pool_id.as_str());
                table_write || bucket_write || identity_write
            })
            .count()
    }

    async fn tags(&self) -> Vec<(String, String)> {
        let output = self.s3.get_object_tagging().bucket(&self.bucket).key(&self.key).send().await.unwrap();
        output.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect()
    }

    async fn still_linked(&self) -> bool {
        self.directory.get_by_user(&self.pool(), &self.user.sub).await.unwrap().is_some()
            && self.directory.get_by_identity_id(&self.identity_id).await.unwrap().is_some()
    }
}

#[tokio::test]
async fn forget_with_yes_keeps_the_objects_removes_our_tags_and_leaves_a_tombstone() {
    let s = stage("frida").await;
    let cli = s.cli();

    let done = cli.run(&["--json", "forget", "frida", "--yes"]).await.json();
    assert_eq!(done["outcome"], "forgotten", "{done}");
    assert_eq!(done["objects"], "keep");
    assert_eq!(done["sub"], s.user.sub.as_str());
    assert_eq!(done["identityIds"], serde_json::json!([s.identity_id.as_str()]));
    assert_eq!(done["objectsUntagged"], 1);
    assert_eq!(done["identitiesDeleted"], 1);

    assert!(!s.still_linked().await);
    assert!(s.directory.get_by_user(&s.pool(), &s.user.sub).await.unwrap().is_none());
    assert!(s.directory.get_by_identity_id(&s.identity_id).await.unwrap().is_none());
    assert_eq!(s.tags().await, [("project".to_owned(), "apollo".to_owned())]);
    let kept = s.s3.head_object().bucket(&s.bucket).key(&s.key).send().await;
    assert!(kept.is_ok(), "keep mode deleted the object");
    let line = cli.run(&["whois", &s.user.sub]).await.error(1);
    assert!(line.contains("not found (forgotten)"), "{line}");

    // Again, by every id: already forgotten, nothing written.
    let writes = s.writes().await;
    for id in ["frida", s.user.sub.as_str(), s.identity_id.as_str()] {
        let again = cli.run(&["forget", id, "--yes"]).await;
        assert!(again.ok().contains("already forgotten"), "{id}: {}", again.ok());
    }
    assert_eq!(s.writes().await, writes);
}

#[tokio::test]
async fn forgetting_an_unknown_user_is_exit_5_and_writes_nothing() {
    let s = stage("fanny").await;
    let cli = s.cli();
    let writes = s.writes().await;
    for id in ["nobody-here", "0b5c2f9e-1111-4222-8333-444455556666", "us-east-1:0f0c7e2a-1111-4222-8333-444455556666"]
    {
        let line = cli.run(&["forget", id, "--yes"]).await.error(5);
        assert!(line.contains("nothing was written"), "{line}");
    }
    assert_eq!(s.writes().await, writes);
    assert!(s.still_linked().await);
}

#[tokio::test]
async fn without_yes_and_without_a_terminal_forget_refuses_and_writes_nothing() {
    let s = stage("flora").await;
    let cli = s.cli();
    let writes = s.writes().await;
    let line = cli.run(&["forget", "flora"]).await.error(2);
    assert!(line.contains("not a terminal") && line.contains("--yes"), "{line}");
    let piped = cli.run_with_stdin(&["forget", &s.user.sub], "yes\n").await.error(2);
    assert!(piped.contains("not a terminal"), "{piped}");
    assert_eq!(s.writes().await, writes);
    assert!(s.still_linked().await);
    assert_eq!(s.tags().await.len(), 3);
}
