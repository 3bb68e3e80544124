//! The directory through the real SDK, over HTTP, against the local emulator's DynamoDB
//! (one table per test, created from template.yaml's DirectoryTable). Run by `make test`;
//! without the emulator these fail, never skip.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use directory::{DirectoryError, IdentityDirectory, IdentityId, LinkRecorded, NewLink, UserPoolId, schema};
use test_support::local_cognito::{LocalCognito, unique_name};

const POOL: &str = "us-east-1_DirectoryTests1";

struct Fixture {
    cognito: LocalCognito,
    table: String,
    directory: IdentityDirectory,
}

async fn fixture() -> Fixture {
    let cognito = LocalCognito::from_env().await;
    let table = cognito.create_directory_table(&unique_name("directory")).await;
    let directory = IdentityDirectory::new(cognito.dynamodb(), table.clone());
    Fixture { cognito, table, directory }
}

impl Fixture {
    /// (operation, count) of the DynamoDB calls made on this test's table since `since`.
    async fn calls_since(&self, since: usize) -> Vec<String> {
        self.cognito.calls_for_table(&self.table).await.into_iter().skip(since).map(|c| c.operation).collect()
    }

    async fn call_count(&self) -> usize {
        self.cognito.calls_for_table(&self.table).await.len()
    }

    /// Every item of the table (a scan: only tests read the table this way).
    async fn items(&self) -> Vec<HashMap<String, AttributeValue>> {
        self.cognito.dynamodb().scan().table_name(&self.table).send().await.expect("Scan").items.unwrap_or_default()
    }
}

fn identity(n: u8) -> IdentityId {
    IdentityId::parse(&format!("us-east-1:{n:02x}000000-0000-4000-8000-000000000000")).unwrap()
}

fn pool() -> UserPoolId {
    UserPoolId::parse(POOL).unwrap()
}

fn link(identity_id: IdentityId, sub: &str) -> NewLink {
    NewLink {
        identity_id,
        user_pool_id: pool(),
        sub: sub.into(),
        username: format!("{sub}-name"),
        linked_at: 1_764_000_000,
    }
}

#[tokio::test]
async fn a_first_link_is_readable_both_ways_with_one_get_item_each() {
    let f = fixture().await;
    let ada = link(identity(1), "sub-ada");
    let before = f.call_count().await;
    assert_eq!(f.directory.record_link(&ada).await.unwrap(), LinkRecorded::Created);
    assert_eq!(f.calls_since(before).await, ["TransactWriteItems"]);

    let before = f.call_count().await;
    let by_identity = f.directory.get_by_identity_id(&ada.identity_id).await.unwrap().expect("linked");
    let by_user = f.directory.get_by_user(&pool(), "sub-ada").await.unwrap().expect("linked");
    assert_eq!(f.calls_since(before).await, ["GetItem", "GetItem"]);

    assert!(by_identity.is_same_link(&ada) && by_user.is_same_link(&ada));
    assert_eq!((by_identity.username.as_str(), by_identity.linked_at), ("sub-ada-name", 1_764_000_000));
    assert_eq!(by_identity.usage.map(|u| (u.objects, u.bytes)), Some((0, 0)));
    assert_eq!(by_user.usage, None);
    assert_eq!(f.items().await.len(), 2);
}

#[tokio::test]
async fn unknown_ids_are_misses_not_errors() {
    let f = fixture().await;
    assert_eq!(f.directory.get_by_identity_id(&identity(9)).await.unwrap(), None);
    assert_eq!(f.directory.get_by_user(&pool(), "nobody").await.unwrap(), None);
    assert!(matches!(f.directory.get_by_user(&pool(), "").await, Err(DirectoryError::Invalid(_))));
}

#[tokio::test]
async fn a_repeat_link_writes_nothing_and_costs_one_transaction() {
    let f = fixture().await;
    let ada = link(identity(1), "sub-ada");
    f.directory.record_link(&ada).await.unwrap();
    let items = f.items().await;

    let repeat = NewLink { username: "renamed".into(), linked_at: 1_800_000_000, ..ada.clone() };
    let before = f.call_count().await;
    assert_eq!(f.directory.record_link(&repeat).await.unwrap(), LinkRecorded::AlreadyPresent);
    assert_eq!(f.calls_since(before).await, ["TransactWriteItems"]);
    // The first link's name and time stand: nothing was rewritten.
    let mut after = f.items().await;
    let mut before_items = items;
    let by_pk = |item: &HashMap<String, AttributeValue>| format!("{:?}", item.get("pk"));
    after.sort_by_key(by_pk);
    before_items.sort_by_key(by_pk);
    assert_eq!(after, before_items);
}

#[tokio::test]
async fn an_identity_id_of_another_user_is_a_conflict_and_nothing_is_written() {
    let f = fixture().await;
    let ada = link(identity(1), "sub-ada");
    f.directory.record_link(&ada).await.unwrap();

    let bob_claims_ada_id = link(identity(1), "sub-bob");
    let Err(DirectoryError::Conflict(conflict)) = f.directory.record_link(&bob_claims_ada_id).await else {
        panic!("expected a conflict")
    };
    assert_eq!(conflict.identity_owner.as_ref().map(|e| e.sub.as_str()), Some("sub-ada"));
    assert_eq!(conflict.user_link, None);
    assert!(!DirectoryError::Conflict(conflict).is_retryable());
    // Nothing written for bob, ada's entry unchanged.
    assert_eq!(f.directory.get_by_user(&pool(), "sub-bob").await.unwrap(), None);
    assert!(f.directory.get_by_identity_id(&identity(1)).await.unwrap().unwrap().is_same_link(&ada));
    assert_eq!(f.items().await.len(), 2);
}

#[tokio::test]
async fn a_user_linked_to_another_identity_id_is_a_conflict_and_nothing_is_written() {
    let f = fixture().await;
    let ada = link(identity(1), "sub-ada");
    f.directory.record_link(&ada).await.unwrap();

    let ada_elsewhere = link(identity(2), "sub-ada");
    let Err(DirectoryError::Conflict(conflict)) = f.directory.record_link(&ada_elsewhere).await else {
        panic!("expected a conflict")
    };
    assert_eq!(conflict.user_link.as_ref().map(|e| e.identity_id.clone()), Some(identity(1)));
    assert_eq!(conflict.identity_owner, None);
    assert_eq!(f.directory.get_by_identity_id(&identity(2)).await.unwrap(), None);
    assert_eq!(f.directory.get_by_user(&pool(), "sub-ada").await.unwrap().unwrap().identity_id, identity(1));
    assert_eq!(f.items().await.len(), 2);
}

#[tokio::test]
async fn concurrent_first_links_of_one_user_both_succeed_with_one_entry() {
    let f = fixture().await;
    let ada = link(identity(1), "sub-ada");
    for _ in 0..5 {
        let (first, second) = tokio::join!(f.directory.record_link(&ada), f.directory.record_link(&ada));
        let outcomes = [first.unwrap(), second.unwrap()];
        assert!(outcomes.contains(&LinkRecorded::AlreadyPresent) || f.items().await.len() == 2, "{outcomes:?}");
    }
    assert_eq!(f.items().await.len(), 2);
    let entry = f.directory.get_by_user(&pool(), "sub-ada").await.unwrap().unwrap();
    assert!(entry.is_same_link(&ada));
}

#[tokio::test]
async fn many_concurrent_links_of_different_users_and_one_contested_id() {
    let f = fixture().await;
    // Ten users link at once; three of them race for the same IdentityId.
    let links: Vec<NewLink> =
        (0..10u8).map(|n| link(identity(if n < 3 { 100 } else { n }), &format!("sub-{n}"))).collect();
    let results = futures_join_all(&f.directory, &links).await;
    let created = results.iter().filter(|r| matches!(r, Ok(LinkRecorded::Created))).count();
    let conflicts = results.iter().filter(|r| matches!(r, Err(DirectoryError::Conflict(_)))).count();
    assert_eq!((created, conflicts), (8, 2), "{results:?}");
    assert_eq!(f.items().await.len(), 16);
}

async fn futures_join_all(
    directory: &IdentityDirectory,
    links: &[NewLink],
) -> Vec<Result<LinkRecorded, DirectoryError>> {
    let tasks: Vec<_> = links
        .iter()
        .cloned()
        .map(|link| {
            let directory = directory.clone();
            tokio::spawn(async move { directory.record_link(&link).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("task"));
    }
    results
}

#[tokio::test]
async fn the_user_pool_mark_is_one_conditional_update_of_the_user_item() {
    let f = fixture().await;
    let ada = link(identity(7), "sub-ada");
    f.directory.record_link(&ada).await.unwrap();
    assert_eq!(f.directory.get_by_user(&pool(), "sub-ada").await.unwrap().unwrap().user_pool_written_at, None);

    let before = f.call_count().await;
    assert!(f.directory.mark_user_pool_written(&ada, 1_764_000_100).await.unwrap());
    assert_eq!(f.calls_since(before).await, ["UpdateItem"]);
    let by_user = f.directory.get_by_user(&pool(), "sub-ada").await.unwrap().unwrap();
    assert_eq!(by_user.user_pool_written_at, Some(1_764_000_100));
    assert!(by_user.is_same_link(&ada));
    let by_identity = f.directory.get_by_identity_id(&ada.identity_id).await.unwrap().unwrap();
    assert_eq!(by_identity.user_pool_written_at, None, "the mark lives on the user item");

    // Another link of the same user, or a user with no link, is never marked (nor created).
    let other = link(identity(8), "sub-ada");
    assert!(!f.directory.mark_user_pool_written(&other, 1).await.unwrap());
    assert!(!f.directory.mark_user_pool_written(&link(identity(9), "sub-nobody"), 1).await.unwrap());
    assert_eq!(f.items().await.len(), 2, "nothing created");
    assert_eq!(
        f.directory.get_by_user(&pool(), "sub-ada").await.unwrap().unwrap().user_pool_written_at,
        Some(1_764_000_100)
    );
}

#[tokio::test]
async fn a_half_written_link_is_completed() {
    let f = fixture().await;
    let ada = link(identity(1), "sub-ada");
    // Only the IdentityId's item, as a hand-written import might leave it.
    f.cognito
        .dynamodb()
        .put_item()
        .table_name(&f.table)
        .set_item(Some(schema::identity_item(&ada)))
        .send()
        .await
        .unwrap();
    assert_eq!(f.directory.record_link(&ada).await.unwrap(), LinkRecorded::Created);
    assert!(f.directory.get_by_user(&pool(), "sub-ada").await.unwrap().unwrap().is_same_link(&ada));
    assert_eq!(f.items().await.len(), 2);
}

#[tokio::test]
async fn a_corrupt_item_is_reported_as_corrupt() {
    let f = fixture().await;
    let key = schema::identity_key(&identity(1));
    f.cognito
        .dynamodb()
        .put_item()
        .table_name(&f.table)
        .item(schema::PARTITION_KEY, AttributeValue::S(key.clone()))
        .item(schema::KIND, AttributeValue::S("identity".into()))
        .item(schema::IDENTITY_ID, AttributeValue::N("42".into()))
        .send()
        .await
        .unwrap();
    let error = f.directory.get_by_identity_id(&identity(1)).await.unwrap_err();
    assert!(matches!(&error, DirectoryError::Corrupt { key: k, .. } if *k == key), "{error:?}");
    assert!(!error.is_retryable());
    // A link over the corrupt item is refused too, never overwriting it.
    let error = f.directory.record_link(&link(identity(1), "sub-ada")).await.unwrap_err();
    assert!(matches!(error, DirectoryError::Corrupt { .. }), "{error:?}");
}

#[tokio::test]
async fn a_missing_table_is_a_deployment_fault() {
    let cognito = LocalCognito::from_env().await;
    let directory = IdentityDirectory::new(cognito.dynamodb(), unique_name("no-such-table"));
    let error = directory.get_by_identity_id(&identity(1)).await.unwrap_err();
    assert!(matches!(&error, DirectoryError::Failed { code } if code == "ResourceNotFoundException"), "{error:?}");
    assert!(!error.is_retryable());
    let error = directory.record_link(&link(identity(1), "sub-ada")).await.unwrap_err();
    assert!(matches!(&error, DirectoryError::Failed { code } if code == "ResourceNotFoundException"), "{error:?}");
}
