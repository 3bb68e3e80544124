//! The table's public schema: key formats, attribute names and types, and the pure
//! conversions between items and [`DirectoryEntry`]. Other services read the table
//! directly, so everything here is a published contract (README, "Identity directory").
//!
//! One table, one string partition key [`PARTITION_KEY`], no sort key, two items per link:
//!
//! | item | `pk` | attributes |
//! |---|---|---|
//! | by IdentityId | `identity#<IdentityId>` | `kind`="identity", `identityId`, `userPoolId`, `sub`, `username`, `linkedAt`, `objects`, `bytes`, `movedTo` and `movedAt` (once relinked) |
//! | by user | `user#<userPoolId>#<sub>` | `kind`="user", `identityId`, `userPoolId`, `sub`, `username`, `linkedAt`, `userPoolWrittenAt` (optional) |
//! | unattributed usage | `unattributed#<IdentityId>` | `kind`="unattributed", `identityId`, `objects`, `bytes` |
//! | usage of a `users/<sub>/` folder | `subfolder#<sub>` | `kind`="subfolder", `sub`, `objects`, `bytes` |
//! | one S3 key's usage state | `object#<bucket>#<key>` | `kind`="object", `identityId` (or `sub`, for a `users/<sub>/` key), `sequencer`, `present`, `size`, `unsettled`, `expiresAt` (tombstones only) |
//! | a sweep of a bucket's `private/` | `sweep#<bucket>` | `kind`="sweep", `bucket`, `runId`, `pages`, `folders`, `objects`, `bytes`, `attributed`, `unattributed`, `startedAt`, `finishedAt` (once done) |
//! | the reconciler's pass over a pool's users | `reconcile#<userPoolId>` | `kind`="reconcile", `userPoolId`, `position` (the last item handled; absent at a pass's start), `passStartedAt`, `passes`, `checked`, `missing`, `errors`, `lastPassFinishedAt` (once a pass ended), `updatedAt` |
//! | a forgotten user's tombstone | `forgotten#<userPoolId>#<sub>` | `kind`="forgotten", `forgottenAt`, `identityIdHash` (SHA-256 hex of the last IdentityId; absent if the user had none) |
//! | a forgotten IdentityId | `forgotten-identity#<SHA-256 hex of the IdentityId>` | `kind`="forgotten-identity", `forgottenAt` |
//! | a forget in progress | `forget#<userPoolId>#<sub>` | `kind`="forget", `identityId` (the folder being cleared), `startAfter` (the last key done); deleted when the forget ends |
//!
//! `objects` and `bytes` are what the user's `private/<IdentityId>/` folder holds now,
//! as the object-owner function counts it from S3's events: puts add, overwrites add the
//! difference, removals subtract. Objects of an IdentityId that the directory does not
//! know are counted on its `unattributed#` item instead, never on an `identity#` item
//! (which would look like a half-written link). While an event is being counted, the
//! counter item also holds a marker attribute for it, `usage#<key hash>#<sequencer>`
//! (`N`, when it was set); readers ignore them.
//!
//! A `users/<sub>/` folder (the `sub` and `both` folder layouts) is counted on its own
//! `subfolder#<sub>` item, the same way. Not on the `user#<userPoolId>#<sub>` item: a key
//! names the `sub` but not its pool (several pools may share the stack), so the pool is
//! not known without a read; and the `user#` item is written by the link transactions,
//! while a counter item is never in a transaction (see [`crate::usage_plan`]). The folder
//! is what IAM vouches for, so its counters are keyed by what the key says, nothing more.
//!
//! An `object#` item holds one key's state: the `sequencer` (`S`, hex left-padded to
//! [`crate::SEQUENCER_WIDTH`] digits) of the last event applied, `present` (`BOOL`),
//! `size` (`N`), and `unsettled` (`M`: sequencer → `{objects, bytes, holder, until}`:
//! changes applied to the key but not yet known to be in the counters, each with the
//! delivery that settles it and when that claim lapses). A removed key keeps its item as a
//! tombstone (`present` false) that DynamoDB's TTL removes after
//! [`EVENT_RETENTION_SECS`], so that a late older event is still recognised. See
//! [`crate::usage_plan`] for why.
//!
//! A `sweep#` item is the progress of the current (or last) sweep of one bucket's
//! `private/` folders (`cognito-bridge sweep`): `runId` (`S`) names the run, `pages`
//! (`N`) counts the listing's pages done (up to 1,000 keys each), and `folders`,
//! `objects`, `bytes`, `attributed` (objects of known owners) and `unattributed` (`N`)
//! add up what those pages listed; `startedAt` and `finishedAt` are Unix seconds (`N`),
//! `finishedAt` absent while the run goes on. See `crate::sweep_progress`.
//!
//! Strings are `S`; `linkedAt` (Unix seconds), `objects`, `bytes` and
//! `userPoolWrittenAt` (Unix seconds) are `N`. `userPoolWrittenAt` is set once the
//! user's `custom:identity_id` attribute holds the link's IdentityId (the link function
//! sets it after `AdminUpdateUserAttributes`): an item without it is a link whose user
//! pool write is still to do (or was done before the attribute existed).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use std::collections::BTreeMap;

use crate::entry::{DirectoryEntry, NewLink, Usage};
use crate::sequencer::Sequencer;
use crate::usage_plan::{Claim, ObjectRecord, ObjectState, Unsettled, UsageDelta};
use lambda_foundation::{IdentityId, UserPoolId};

/// The partition key (`S`), the table's only key attribute.
pub const PARTITION_KEY: &str = "pk";
/// Which of a link's two items this is: [`KIND_IDENTITY`] or [`KIND_USER`] (`S`).
pub const KIND: &str = "kind";
/// The IdentityId (`S`).
pub const IDENTITY_ID: &str = "identityId";
/// The user pool id (`S`).
pub const USER_POOL_ID: &str = "userPoolId";
/// The user's `sub` (`S`).
pub const SUB: &str = "sub";
/// The username when linked (`S`).
pub const USERNAME: &str = "username";
/// When the link was written, Unix seconds (`N`).
pub const LINKED_AT: &str = "linkedAt";
/// Objects under the user's private folder (`N`, identity item only, absent means 0).
pub const OBJECTS: &str = "objects";
/// Bytes under the user's private folder (`N`, identity item only, absent means 0).
pub const BYTES: &str = "bytes";
/// When the user pool's `custom:identity_id` was written with this link, Unix seconds
/// (`N`, user item only; absent until then).
pub const USER_POOL_WRITTEN_AT: &str = "userPoolWrittenAt";
/// The IdentityId that replaced this one for the same user (`S`, `identity#` items only):
/// set by a relink (the user's IdentityId changed: deleted, merged or a re-created
/// identity pool). The item still names its user, so the old folder's objects are still
/// traced to them, and it keeps counting what the old folder holds; the `user#` item names
/// the new IdentityId.
pub const MOVED_TO: &str = "movedTo";
/// When the relink happened, Unix seconds (`N`, with [`MOVED_TO`]).
pub const MOVED_AT: &str = "movedAt";
/// When DynamoDB's TTL may delete the item, Unix seconds (`N`, `object#` tombstones only).
pub const EXPIRES_AT: &str = "expiresAt";
/// How long a removed key's tombstone is kept: longer than SQS keeps a message (14 days
/// at most) plus a redrive from the dead-letter queue, so that any late event still finds it.
pub const EVENT_RETENTION_SECS: u64 = 15 * 24 * 60 * 60;
/// The last applied event's sequencer, padded (`S`, `object#` items only).
pub const SEQUENCER: &str = "sequencer";
/// Whether the key holds an object (`BOOL`, `object#` items only).
pub const PRESENT: &str = "present";
/// The object's size in bytes (`N`, `object#` items only).
pub const SIZE: &str = "size";
/// Applied changes not yet known to be counted (`M`, `object#` items only).
pub const UNSETTLED: &str = "unsettled";
/// Who settles an unsettled change (`S`, inside an `unsettled` entry).
pub const HOLDER: &str = "holder";
/// When that claim lapses, Unix seconds (`N`, inside an `unsettled` entry).
pub const UNTIL: &str = "until";
/// The start of an in-flight event's marker attribute on a counter item.
pub const MARKER_PREFIX: &str = "usage#";
/// [`KIND`] of an `object#` item.
pub const KIND_OBJECT: &str = "object";
/// [`KIND`] of an `unattributed#` item.
pub const KIND_UNATTRIBUTED: &str = "unattributed";
/// [`KIND`] of a `subfolder#` item.
pub const KIND_SUBFOLDER: &str = "subfolder";
/// [`KIND`] of a `sweep#` item.
pub const KIND_SWEEP: &str = "sweep";
/// The bucket a sweep lists (`S`, `sweep#` items only).
pub const BUCKET: &str = "bucket";
/// The current sweep run's id (`S`, `sweep#` items only).
pub const RUN_ID: &str = "runId";
/// Listing pages done (`N`, `sweep#` items only).
pub const PAGES: &str = "pages";
/// Folders seen (`N`, `sweep#` items only).
pub const FOLDERS: &str = "folders";
/// Objects of known owners (`N`, `sweep#` items only).
pub const ATTRIBUTED: &str = "attributed";
/// Objects of unknown owners (`N`, `sweep#` items only).
pub const UNATTRIBUTED: &str = "unattributed";
/// When the run started, Unix seconds (`N`, `sweep#` items only).
pub const STARTED_AT: &str = "startedAt";
/// When the run's last page was done, Unix seconds (`N`, `sweep#` items only).
pub const FINISHED_AT: &str = "finishedAt";
/// The counters of a `sweep#` item, each 0 when a run starts.
pub const SWEEP_COUNTERS: [&str; 6] = [PAGES, FOLDERS, OBJECTS, BYTES, ATTRIBUTED, UNATTRIBUTED];
/// [`KIND`] of a `reconcile#` item.
pub const KIND_RECONCILE: &str = "reconcile";
/// The last item a reconciler pass handled (`S`, `reconcile#` items only).
pub const POSITION: &str = "position";
/// When the current reconciler pass started, Unix seconds (`N`, `reconcile#` items only).
pub const PASS_STARTED_AT: &str = "passStartedAt";
/// Reconciler passes finished (`N`, `reconcile#` items only).
pub const PASSES: &str = "passes";
/// Users checked in the current pass (`N`, `reconcile#` items only).
pub const CHECKED: &str = "checked";
/// Users found missing in the current pass (`N`, `reconcile#` items only).
pub const MISSING: &str = "missing";
/// Failed checks in the current pass (`N`, `reconcile#` items only).
pub const ERRORS: &str = "errors";
/// When the last reconciler pass finished, Unix seconds (`N`, `reconcile#` items only).
pub const LAST_PASS_FINISHED_AT: &str = "lastPassFinishedAt";
/// When a `reconcile#` item was written, Unix seconds (`N`).
pub const UPDATED_AT: &str = "updatedAt";
/// [`KIND`] of a forgotten user's tombstone.
pub const KIND_FORGOTTEN: &str = "forgotten";
/// [`KIND`] of a forgotten IdentityId's item.
pub const KIND_FORGOTTEN_IDENTITY: &str = "forgotten-identity";
/// [`KIND`] of a forget's progress item.
pub const KIND_FORGET: &str = "forget";
/// When a user or an IdentityId was forgotten, Unix seconds (`N`, `forgotten#` and
/// `forgotten-identity#` items only).
pub const FORGOTTEN_AT: &str = "forgottenAt";
/// The SHA-256 (lowercase hex) of the forgotten user's IdentityId (`S`, `forgotten#` only).
pub const IDENTITY_ID_HASH: &str = "identityIdHash";
/// The last key of the folder done by a forget in progress (`S`, `forget#` items only).
pub const START_AFTER: &str = "startAfter";
/// [`KIND`] of the item keyed by IdentityId.
pub const KIND_IDENTITY: &str = "identity";
/// [`KIND`] of the item keyed by user.
pub const KIND_USER: &str = "user";

/// The partition key of an IdentityId's item.
pub fn identity_key(identity_id: &IdentityId) -> String {
    format!("identity#{identity_id}")
}

/// The partition key of a user's item. A user pool id has no `#`, so the key splits
/// unambiguously whatever the `sub` holds.
pub fn user_key(user_pool_id: &UserPoolId, sub: &str) -> String {
    format!("user#{user_pool_id}#{sub}")
}

/// The partition key of the usage of an IdentityId the directory does not know.
pub fn unattributed_key(identity_id: &IdentityId) -> String {
    format!("unattributed#{identity_id}")
}

/// The partition key of the usage of a `users/<sub>/` folder. A [`crate::FolderSub`] is a
/// UUID: no `#`.
pub fn subfolder_key(sub: &crate::FolderSub) -> String {
    format!("subfolder#{sub}")
}

/// The partition key of one S3 key's usage state. Bucket names hold no `#`, so the key
/// splits unambiguously whatever the object key holds.
pub fn object_key(bucket: &str, key: &str) -> String {
    format!("object#{bucket}#{key}")
}

/// The partition key of a bucket's sweep progress. Bucket names hold no `#`.
pub fn sweep_key(bucket: &str) -> String {
    format!("sweep#{bucket}")
}

/// The partition key of the reconciler's progress over a pool's users. A user pool id
/// has no `#`.
pub fn reconcile_key(user_pool_id: &UserPoolId) -> String {
    format!("reconcile#{user_pool_id}")
}

/// The partition key of a forgotten user's tombstone: scoped by pool like the user's own
/// item (a `sub` is unique within its pool only). It holds no personal data.
pub fn forgotten_key(user_pool_id: &UserPoolId, sub: &str) -> String {
    format!("forgotten#{user_pool_id}#{sub}")
}

/// The partition key of a forgotten IdentityId's item, named by the IdentityId's hash
/// (see [`crate::identity_id_hash`]), so that a late S3 event of its folder is recognised.
pub fn forgotten_identity_key(identity_id_hash: &str) -> String {
    format!("forgotten-identity#{identity_id_hash}")
}

/// The partition key of a forget's progress (deleted with the user's items).
pub fn forget_progress_key(user_pool_id: &UserPoolId, sub: &str) -> String {
    format!("forget#{user_pool_id}#{sub}")
}

/// Reads an `object#` item back.
pub fn object_record_from_item(item: &Item) -> Result<ObjectRecord, &'static str> {
    if string(item, KIND)? != KIND_OBJECT {
        return Err("kind is not object");
    }
    let sequencer = Sequencer::parse(string(item, SEQUENCER)?).map_err(|_| "sequencer is not a sequencer")?;
    let present = match item.get(PRESENT) {
        Some(AttributeValue::Bool(present)) => *present,
        _ => return Err("present is missing or not a boolean"),
    };
    let size = number(item, SIZE)?.ok_or("size is missing")?;
    let Some(AttributeValue::M(entries)) = item.get(UNSETTLED) else { return Err("unsettled is missing or not a map") };
    let mut unsettled = BTreeMap::new();
    for (name, value) in entries {
        let AttributeValue::M(delta) = value else { return Err("an unsettled entry is not a map") };
        let signed = |field: &'static str| match delta.get(field) {
            Some(AttributeValue::N(n)) => n.parse::<i64>().map_err(|_| "an unsettled change is not an integer"),
            _ => Err("an unsettled change lacks a counter"),
        };
        let claim = match (delta.get(HOLDER), delta.get(UNTIL)) {
            (Some(AttributeValue::S(holder)), Some(AttributeValue::N(until))) => Some(Claim {
                holder: holder.clone(),
                until: until.parse().map_err(|_| "an unsettled change's claim has no time")?,
            }),
            (None, None) => None,
            _ => return Err("an unsettled change's claim is incomplete"),
        };
        let delta = UsageDelta { objects: signed(OBJECTS)?, bytes: signed(BYTES)? };
        unsettled.insert(name.clone(), Unsettled { delta, claim });
    }
    Ok(ObjectRecord { sequencer, state: ObjectState { present, size }, unsettled })
}

/// An unsettled entry's value: the change, as a map of the counters' names, and its claim.
pub fn unsettled_value(entry: &Unsettled) -> AttributeValue {
    let mut value = HashMap::from([
        (OBJECTS.to_owned(), AttributeValue::N(entry.delta.objects.to_string())),
        (BYTES.to_owned(), AttributeValue::N(entry.delta.bytes.to_string())),
    ]);
    if let Some(claim) = &entry.claim {
        value.insert(HOLDER.to_owned(), AttributeValue::S(claim.holder.clone()));
        value.insert(UNTIL.to_owned(), AttributeValue::N(claim.until.to_string()));
    }
    AttributeValue::M(value)
}

/// Reads the counters of an `unattributed#` item.
pub fn unattributed_usage_from_item(item: &Item) -> Result<Usage, &'static str> {
    if string(item, KIND)? != KIND_UNATTRIBUTED {
        return Err("kind is not unattributed");
    }
    Ok(Usage { objects: number(item, OBJECTS)?.unwrap_or(0), bytes: number(item, BYTES)?.unwrap_or(0) })
}

/// Reads the counters of a `subfolder#` item.
pub fn subfolder_usage_from_item(item: &Item) -> Result<Usage, &'static str> {
    if string(item, KIND)? != KIND_SUBFOLDER {
        return Err("kind is not subfolder");
    }
    Ok(Usage { objects: number(item, OBJECTS)?.unwrap_or(0), bytes: number(item, BYTES)?.unwrap_or(0) })
}

/// Whether `sub` can be part of a key: Cognito's are UUIDs; anything non-empty and
/// printable up to 128 bytes is accepted so that other identity sources still fit.
pub fn is_valid_sub(sub: &str) -> bool {
    !sub.is_empty() && sub.len() <= 128 && !sub.chars().any(char::is_control)
}

/// An item as DynamoDB stores it.
pub type Item = HashMap<String, AttributeValue>;

/// The item keyed by IdentityId for a new link (counters at 0).
pub fn identity_item(link: &NewLink) -> Item {
    let mut item = common_attributes(link);
    item.insert(PARTITION_KEY.into(), AttributeValue::S(identity_key(&link.identity_id)));
    item.insert(KIND.into(), AttributeValue::S(KIND_IDENTITY.into()));
    item.insert(OBJECTS.into(), AttributeValue::N("0".into()));
    item.insert(BYTES.into(), AttributeValue::N("0".into()));
    item
}

/// The item keyed by user for a new link.
pub fn user_item(link: &NewLink) -> Item {
    let mut item = common_attributes(link);
    item.insert(PARTITION_KEY.into(), AttributeValue::S(user_key(&link.user_pool_id, &link.sub)));
    item.insert(KIND.into(), AttributeValue::S(KIND_USER.into()));
    item
}

fn common_attributes(link: &NewLink) -> Item {
    HashMap::from([
        (IDENTITY_ID.into(), AttributeValue::S(link.identity_id.to_string())),
        (USER_POOL_ID.into(), AttributeValue::S(link.user_pool_id.to_string())),
        (SUB.into(), AttributeValue::S(link.sub.clone())),
        (USERNAME.into(), AttributeValue::S(link.username.clone())),
        (LINKED_AT.into(), AttributeValue::N(link.linked_at.to_string())),
    ])
}

/// Reads an item back into an entry, checking that it is the item stored under `key`
/// (its own attributes give the same key back). The error names what is wrong, never
/// a value.
pub fn entry_from_item(key: &str, item: &Item) -> Result<DirectoryEntry, &'static str> {
    let identity_id = IdentityId::parse(string(item, IDENTITY_ID)?).map_err(|_| "identityId is not an IdentityId")?;
    let user_pool_id =
        UserPoolId::parse(string(item, USER_POOL_ID)?).map_err(|_| "userPoolId is not a user pool id")?;
    let sub = string(item, SUB)?;
    if !is_valid_sub(sub) {
        return Err("sub is empty or not printable");
    }
    let entry = DirectoryEntry {
        username: string(item, USERNAME)?.to_owned(),
        linked_at: number(item, LINKED_AT)?.ok_or("linkedAt is missing")?,
        usage: None,
        user_pool_written_at: None,
        sub: sub.to_owned(),
        user_pool_id,
        identity_id,
    };
    match string(item, KIND)? {
        KIND_IDENTITY if key == identity_key(&entry.identity_id) => Ok(DirectoryEntry {
            usage: Some(Usage {
                objects: number(item, OBJECTS)?.unwrap_or(0),
                bytes: number(item, BYTES)?.unwrap_or(0),
            }),
            ..entry
        }),
        KIND_USER if key == user_key(&entry.user_pool_id, &entry.sub) => {
            Ok(DirectoryEntry { user_pool_written_at: number(item, USER_POOL_WRITTEN_AT)?, ..entry })
        }
        KIND_IDENTITY | KIND_USER => Err("the item's attributes do not match its key"),
        _ => Err("kind is neither identity nor user"),
    }
}

fn string<'a>(item: &'a Item, name: &'static str) -> Result<&'a str, &'static str> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Ok(value),
        Some(_) => Err("an attribute that must be a string (S) is not"),
        None => Err("a required string attribute is missing"),
    }
}

fn number(item: &Item, name: &'static str) -> Result<Option<u64>, &'static str> {
    match item.get(name) {
        Some(AttributeValue::N(value)) => {
            value.parse().map(Some).map_err(|_| "a number attribute is not a whole number ≥ 0")
        }
        Some(_) => Err("an attribute that must be a number (N) is not"),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> NewLink {
        NewLink {
            identity_id: IdentityId::parse("us-east-1:0f0c7e2a-1111-4222-8333-444455556666").unwrap(),
            user_pool_id: UserPoolId::parse("us-east-1_AbCdEf123").unwrap(),
            sub: "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd".into(),
            username: "ada".into(),
            linked_at: 1_760_000_000,
        }
    }

    #[test]
    fn both_items_read_back_as_the_link() {
        let link = link();
        let by_identity = entry_from_item(&identity_key(&link.identity_id), &identity_item(&link)).unwrap();
        assert!(by_identity.is_same_link(&link));
        assert_eq!((by_identity.username.as_str(), by_identity.linked_at), ("ada", 1_760_000_000));
        assert_eq!(by_identity.usage, Some(Usage::default()));
        let by_user = entry_from_item(&user_key(&link.user_pool_id, &link.sub), &user_item(&link)).unwrap();
        assert_eq!(by_user, DirectoryEntry { usage: None, ..by_identity });
        assert_eq!(by_user.user_pool_written_at, None, "a new link's user pool write is still to do");
    }

    #[test]
    fn the_user_pool_mark_is_read_from_the_user_item_only() {
        let link = link();
        let mut user = user_item(&link);
        user.insert(USER_POOL_WRITTEN_AT.into(), AttributeValue::N("1760000100".into()));
        let entry = entry_from_item(&user_key(&link.user_pool_id, &link.sub), &user).unwrap();
        assert_eq!(entry.user_pool_written_at, Some(1_760_000_100));
        user.insert(USER_POOL_WRITTEN_AT.into(), AttributeValue::S("yes".into()));
        assert!(entry_from_item(&user_key(&link.user_pool_id, &link.sub), &user).is_err());
    }

    #[test]
    fn usage_items_follow_the_published_format() {
        assert_eq!(object_key("b-1", "private/x/a#b.txt"), "object#b-1#private/x/a#b.txt");
        let id = link().identity_id;
        assert_eq!(unattributed_key(&id), "unattributed#us-east-1:0f0c7e2a-1111-4222-8333-444455556666");
        let counted = HashMap::from([
            (KIND.to_owned(), AttributeValue::S(KIND_UNATTRIBUTED.into())),
            (OBJECTS.to_owned(), AttributeValue::N("2".into())),
            (BYTES.to_owned(), AttributeValue::N("7".into())),
        ]);
        assert_eq!(unattributed_usage_from_item(&counted), Ok(Usage { objects: 2, bytes: 7 }));
        assert!(unattributed_usage_from_item(&identity_item(&link())).is_err());
    }

    #[test]
    fn object_items_read_back_with_their_unsettled_changes() {
        let sequencer = Sequencer::parse("0A").unwrap();
        let claim = Claim { holder: "d1".into(), until: 1_000 };
        let claimed = Unsettled { delta: UsageDelta { objects: 1, bytes: -3 }, claim: Some(claim) };
        let unclaimed = Unsettled { delta: UsageDelta { objects: 0, bytes: 2 }, claim: None };
        let mut item = HashMap::from([
            (KIND.to_owned(), AttributeValue::S(KIND_OBJECT.into())),
            (SEQUENCER.to_owned(), AttributeValue::S(sequencer.padded().into())),
            (PRESENT.to_owned(), AttributeValue::Bool(true)),
            (SIZE.to_owned(), AttributeValue::N("5".into())),
            (
                UNSETTLED.to_owned(),
                AttributeValue::M(HashMap::from([
                    ("A".to_owned(), unsettled_value(&claimed)),
                    ("B".to_owned(), unsettled_value(&unclaimed)),
                ])),
            ),
        ]);
        let record = object_record_from_item(&item).unwrap();
        assert_eq!((record.sequencer, record.state), (sequencer, ObjectState { present: true, size: 5 }));
        assert_eq!((&record.unsettled["A"], &record.unsettled["B"]), (&claimed, &unclaimed));
        item.insert(PRESENT.into(), AttributeValue::S("yes".into()));
        assert!(object_record_from_item(&item).is_err());
        item.insert(PRESENT.into(), AttributeValue::Bool(false));
        item.remove(UNSETTLED);
        assert!(object_record_from_item(&item).is_err());
    }

    #[test]
    fn keys_follow_the_published_format() {
        let link = link();
        assert_eq!(identity_key(&link.identity_id), "identity#us-east-1:0f0c7e2a-1111-4222-8333-444455556666");
        assert_eq!(
            user_key(&link.user_pool_id, &link.sub),
            "user#us-east-1_AbCdEf123#7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd"
        );
    }

    #[test]
    fn items_that_do_not_parse_say_why() {
        let link = link();
        let key = identity_key(&link.identity_id);
        let broken = |name: &str, value: Option<AttributeValue>| {
            let mut item = identity_item(&link);
            match value {
                Some(value) => item.insert(name.into(), value),
                None => item.remove(name),
            };
            entry_from_item(&key, &item).unwrap_err()
        };
        broken(IDENTITY_ID, Some(AttributeValue::S("not-an-id".into())));
        broken(USER_POOL_ID, None);
        broken(LINKED_AT, Some(AttributeValue::S("yesterday".into())));
        broken(LINKED_AT, Some(AttributeValue::N("-1".into())));
        broken(OBJECTS, Some(AttributeValue::N("1.5".into())));
        broken(SUB, Some(AttributeValue::S(String::new())));
        broken(KIND, Some(AttributeValue::S("user".into())));
        broken(KIND, None);
        // Stored under another IdentityId's key.
        let other = IdentityId::parse("us-east-1:00000000-0000-4000-8000-000000000000").unwrap();
        assert!(entry_from_item(&identity_key(&other), &identity_item(&link)).is_err());
    }
}
