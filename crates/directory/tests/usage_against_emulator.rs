//! Usage counters through the real SDK, over HTTP, against the local emulator's DynamoDB
//! (one table per test, created from template.yaml's DirectoryTable, TTL included): what
//! a folder holds, from puts, overwrites and removals in any order. Run
//! by `make test`; without the emulator these fail, never skip.

use aws_sdk_dynamodb::types::AttributeValue;
use directory::{
    ChangeRecorded, IdentityDirectory, IdentityId, NewLink, ObjectChange, ObjectChangeEvent, ObjectEvent, Sequencer,
    Usage, UsageAccount, UsageChange, UsageRecorded, UserPoolId, schema,
};
use test_support::local_cognito::{LocalCognito, unique_name};

const NOW: u64 = 1_764_000_000;

async fn directory() -> (LocalCognito, String, IdentityDirectory) {
    let cognito = LocalCognito::from_env().await;
    let table = cognito.create_directory_table(&unique_name("usage")).await;
    let directory = IdentityDirectory::new(cognito.dynamodb(), table.clone());
    (cognito, table, directory)
}

fn identity(n: u8) -> IdentityId {
    IdentityId::parse(&format!("us-east-1:{n:02x}000000-0000-4000-8000-000000000000")).unwrap()
}

async fn linked(directory: &IdentityDirectory, n: u8) -> IdentityId {
    let link = NewLink {
        identity_id: identity(n),
        user_pool_id: UserPoolId::parse("us-east-1_UsageTests1").unwrap(),
        sub: format!("sub-{n}"),
        username: format!("user-{n}"),
        linked_at: NOW,
    };
    directory.record_link(&link).await.unwrap();
    link.identity_id
}

fn event(key: &str, sequencer: &str, size: u64) -> ObjectEvent {
    ObjectEvent { bucket: "usage-bucket".into(), key: key.into(), sequencer: sequencer.into(), size }
}

async fn usage(directory: &IdentityDirectory, id: &IdentityId) -> Usage {
    directory.get_by_identity_id(id).await.unwrap().expect("linked").usage.expect("read by IdentityId")
}

#[tokio::test]
async fn objects_add_up_and_a_redelivered_event_counts_once() {
    let (_cognito, _table, directory) = directory().await;
    let id = linked(&directory, 1).await;
    let first = event("private/x/a.txt", "0062E99A88DC407460", 100);
    assert_eq!(directory.add_usage(&id, UsageAccount::Linked, &first, NOW).await.unwrap(), UsageRecorded::Counted);
    assert_eq!(
        directory.add_usage(&id, UsageAccount::Linked, &first, NOW + 5).await.unwrap(),
        UsageRecorded::AlreadyCounted
    );
    // The same key written again (a new sequencer) replaces the object: its bytes change,
    // the count does not.
    let overwrite = event("private/x/a.txt", "0062E99A88DC407461", 50);
    assert_eq!(directory.add_usage(&id, UsageAccount::Linked, &overwrite, NOW).await.unwrap(), UsageRecorded::Counted);
    let other = event("private/x/b c/ü.txt", "0062E99A88DC407462", 7);
    assert_eq!(directory.add_usage(&id, UsageAccount::Linked, &other, NOW).await.unwrap(), UsageRecorded::Counted);
    assert_eq!(usage(&directory, &id).await, Usage { objects: 2, bytes: 57 });
    // The first write, delivered late, is older than what the key holds: nothing changes.
    assert_eq!(
        directory.add_usage(&id, UsageAccount::Linked, &first, NOW).await.unwrap(),
        UsageRecorded::AlreadyCounted
    );
    assert_eq!(usage(&directory, &id).await, Usage { objects: 2, bytes: 57 });
    // The link itself still reads back whole.
    let entry = directory.get_by_identity_id(&id).await.unwrap().unwrap();
    assert_eq!((entry.sub.as_str(), entry.username.as_str()), ("sub-1", "user-1"));
}

#[tokio::test]
async fn a_removal_subtracts_and_its_tombstone_expires_through_the_tables_ttl() {
    let (cognito, table, directory) = directory().await;
    let id = linked(&directory, 2).await;
    let key = "private/x/a.txt";
    let change = |sequencer: &str, change: ObjectChange| UsageChange {
        identity_id: id.clone(),
        account: UsageAccount::Linked,
        event: ObjectChangeEvent {
            bucket: "usage-bucket".into(),
            key: key.into(),
            sequencer: Sequencer::parse(sequencer).unwrap(),
            change,
        },
        redelivered: false,
    };
    // Put (seq 0A), overwrite (seq FF) and removal (seq 100), delivered removal first,
    // then everything twice: the key holds nothing, whatever the order.
    let put = change("0A", ObjectChange::Stored { size: 9 });
    let overwrite = change("FF", ObjectChange::Stored { size: 4 });
    let removal = change("100", ObjectChange::Removed);
    let recorded = directory.record_usage_changes(std::slice::from_ref(&removal), NOW).await;
    let recorded: Vec<_> = recorded.into_iter().map(Result::unwrap).collect();
    assert_eq!(recorded, [ChangeRecorded::Counted], "removing what was never counted leaves a tombstone");
    let recorded = directory.record_usage_changes(&[put.clone(), overwrite.clone(), removal.clone(), put], NOW).await;
    let recorded: Vec<_> = recorded.into_iter().map(Result::unwrap).collect();
    assert_eq!(
        recorded,
        [
            ChangeRecorded::Superseded,
            ChangeRecorded::Superseded,
            ChangeRecorded::AlreadyCounted,
            ChangeRecorded::Superseded
        ]
    );
    assert_eq!(usage(&directory, &id).await, Usage::default(), "never below zero, never counted twice");

    let dynamodb = cognito.dynamodb();
    let item = dynamodb
        .get_item()
        .table_name(&table)
        .key(schema::PARTITION_KEY, AttributeValue::S(schema::object_key("usage-bucket", key)))
        .send()
        .await
        .unwrap()
        .item
        .expect("the key's tombstone");
    assert_eq!(item[schema::PRESENT], AttributeValue::Bool(false));
    assert_eq!(item[schema::SEQUENCER], AttributeValue::S(Sequencer::parse("100").unwrap().padded().into()));
    assert_eq!(item[schema::EXPIRES_AT], AttributeValue::N((NOW + schema::EVENT_RETENTION_SECS).to_string()));
    let ttl = dynamodb.describe_time_to_live().table_name(&table).send().await.unwrap();
    let ttl = ttl.time_to_live_description.expect("TTL description");
    assert_eq!(ttl.attribute_name(), Some(schema::EXPIRES_AT), "the table's TTL attribute is the one tombstones carry");

    // A put after the removal brings the key back, and its item stops expiring.
    let again = change("101", ObjectChange::Stored { size: 3 });
    assert_eq!(directory.record_usage_changes(&[again], NOW).await.pop().unwrap().unwrap(), ChangeRecorded::Counted);
    assert_eq!(usage(&directory, &id).await, Usage { objects: 1, bytes: 3 });
    let item = dynamodb
        .get_item()
        .table_name(&table)
        .key(schema::PARTITION_KEY, AttributeValue::S(schema::object_key("usage-bucket", key)))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!item.contains_key(schema::EXPIRES_AT));
    assert_eq!(item[schema::UNSETTLED], AttributeValue::M(Default::default()), "settled entries are cleared");
    let counter = dynamodb
        .get_item()
        .table_name(&table)
        .key(schema::PARTITION_KEY, AttributeValue::S(schema::identity_key(&id)))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!counter.keys().any(|name| name.starts_with(schema::MARKER_PREFIX)), "markers are removed: {counter:?}");
}

#[tokio::test]
async fn concurrent_events_are_all_counted() {
    let (_cognito, _table, directory) = directory().await;
    let id = linked(&directory, 3).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..8u64 {
        let directory = directory.clone();
        let id = id.clone();
        tasks.spawn(async move {
            let counted = event(&format!("private/x/{n}"), &format!("{n:04X}"), n);
            directory.add_usage(&id, UsageAccount::Linked, &counted, NOW).await
        });
    }
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.unwrap().unwrap(), UsageRecorded::Counted);
    }
    assert_eq!(usage(&directory, &id).await, Usage { objects: 8, bytes: 28 });
}

#[tokio::test]
async fn an_unknown_identity_id_is_counted_apart_and_never_becomes_a_link() {
    let (_cognito, _table, directory) = directory().await;
    let unknown = identity(9);
    let stray = event("private/y/a.txt", "01", 10);
    assert_eq!(
        directory.add_usage(&unknown, UsageAccount::Linked, &stray, NOW).await.unwrap(),
        UsageRecorded::NotLinked,
        "a linked account needs the identity item"
    );
    assert_eq!(directory.unattributed_usage(&unknown).await.unwrap(), None, "NotLinked wrote nothing");
    assert_eq!(
        directory.add_usage(&unknown, UsageAccount::Unattributed, &stray, NOW).await.unwrap(),
        UsageRecorded::Counted
    );
    assert_eq!(
        directory.add_usage(&unknown, UsageAccount::Unattributed, &stray, NOW).await.unwrap(),
        UsageRecorded::AlreadyCounted
    );
    assert_eq!(directory.unattributed_usage(&unknown).await.unwrap(), Some(Usage { objects: 1, bytes: 10 }));
    assert_eq!(directory.get_by_identity_id(&unknown).await.unwrap(), None, "no identity item was created");
    // Linking the IdentityId later still works: the unattributed item is not in its way.
    let id = linked(&directory, 9).await;
    assert_eq!(usage(&directory, &id).await, Usage::default());
}

#[tokio::test]
async fn malformed_events_are_refused_before_any_call() {
    let (cognito, table, directory) = directory().await;
    let id = identity(4);
    let before = cognito.calls_for_table(&table).await.len();
    for bad in [
        ObjectEvent { bucket: String::new(), ..event("k", "01", 1) },
        ObjectEvent { bucket: "a#b".into(), ..event("k", "01", 1) },
        event("", "01", 1),
        event("k", "", 1),
        event("k", "not-hex", 1),
    ] {
        assert!(matches!(
            directory.add_usage(&id, UsageAccount::Linked, &bad, NOW).await,
            Err(directory::DirectoryError::Invalid(_))
        ));
    }
    assert_eq!(cognito.calls_for_table(&table).await.len(), before);
}
