//! The owner tags and how they merge into an object's own tags. Pure: no I/O.
//!
//! A linked object gets `owner-sub` and `owner-username`; an object whose IdentityId the
//! directory does not know gets `owner-identity-id` only. These keys are this
//! function's: a value already there under one of them is replaced (it is nobody's
//! authority but the directory's). Every other tag is the user's and is kept, always:
//! when there is no room for ours within S3's 10 tags, nothing is written.

use directory::{DirectoryEntry, IdentityId};

/// The user pool `sub` of the object's owner.
pub const OWNER_SUB: &str = "owner-sub";
/// The owner's username at the time of linking.
pub const OWNER_USERNAME: &str = "owner-username";
/// The IdentityId of an object whose owner the directory does not know.
pub const OWNER_IDENTITY_ID: &str = "owner-identity-id";
/// Every key this function writes (and may replace).
pub const OWNER_TAG_KEYS: [&str; 3] = [OWNER_SUB, OWNER_USERNAME, OWNER_IDENTITY_ID];
/// S3's limit of tags per object.
pub const MAX_TAGS_PER_OBJECT: usize = 10;
/// S3's limit on a tag value's length, in characters.
const MAX_TAG_VALUE_CHARS: usize = 256;

/// One object tag, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectTag {
    /// The tag key.
    pub key: String,
    /// The tag value.
    pub value: String,
}

impl ObjectTag {
    /// A tag from a key and a value.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        ObjectTag { key: key.into(), value: value.into() }
    }
}

/// The tags that name the owner: `owner-sub` and `owner-username` for a linked
/// IdentityId, `owner-identity-id` when the directory does not know it.
pub fn owner_tags(identity_id: &IdentityId, owner: Option<&DirectoryEntry>) -> Vec<ObjectTag> {
    match owner {
        Some(owner) => vec![
            ObjectTag::new(OWNER_SUB, tag_value(&owner.sub)),
            ObjectTag::new(OWNER_USERNAME, tag_value(&owner.username)),
        ],
        None => vec![ObjectTag::new(OWNER_IDENTITY_ID, tag_value(identity_id.as_str()))],
    }
}

/// `text` as an S3 tag value: letters, digits, spaces and `+ - = . _ : / @` are kept,
/// any other character becomes `_`, and the value is cut to 256 characters. A `sub` or an
/// IdentityId is never changed by this; an unusual username may be.
pub fn tag_value(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_alphanumeric() || c == ' ' || "+-=._:/@".contains(c) { c } else { '_' })
        .take(MAX_TAG_VALUE_CHARS)
        .collect()
}

/// What to do with an object's tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagMerge {
    /// The object already carries exactly these owner tags: nothing to write.
    Unchanged,
    /// Write this whole set (the user's tags, then ours).
    Write(Vec<ObjectTag>),
    /// The user's own tags leave no room for ours: write nothing.
    NoRoom {
        /// How many tags of the user's the object has.
        user_tags: usize,
    },
}

/// Merges `ours` into `existing`: the user's tags kept in their order, ours replacing
/// any earlier owner tags.
pub fn merge_tags(existing: &[ObjectTag], ours: &[ObjectTag]) -> TagMerge {
    let user_tags: Vec<ObjectTag> =
        existing.iter().filter(|tag| !OWNER_TAG_KEYS.contains(&tag.key.as_str())).cloned().collect();
    if user_tags.len() + ours.len() > MAX_TAGS_PER_OBJECT {
        return TagMerge::NoRoom { user_tags: user_tags.len() };
    }
    let mut merged = user_tags;
    merged.extend(ours.iter().cloned());
    let mut before = existing.to_vec();
    let mut after = merged.clone();
    before.sort();
    after.sort();
    if before == after { TagMerge::Unchanged } else { TagMerge::Write(merged) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use directory::UserPoolId;

    fn id() -> IdentityId {
        IdentityId::parse("us-east-1:0f0c7e2a-1111-4222-8333-444455556666").unwrap()
    }

    fn owner(username: &str) -> DirectoryEntry {
        DirectoryEntry {
            identity_id: id(),
            user_pool_id: UserPoolId::parse("us-east-1_AbCdEf123").unwrap(),
            sub: "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd".into(),
            username: username.into(),
            linked_at: 1,
            usage: None,
            user_pool_written_at: None,
        }
    }

    fn user_tags(n: usize) -> Vec<ObjectTag> {
        (0..n).map(|i| ObjectTag::new(format!("k{i}"), format!("v{i}"))).collect()
    }

    #[test]
    fn a_linked_owner_gets_sub_and_username_an_unknown_one_its_identity_id() {
        let ours = owner_tags(&id(), Some(&owner("ada")));
        assert_eq!(
            ours,
            [ObjectTag::new(OWNER_SUB, "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd"), ObjectTag::new(OWNER_USERNAME, "ada")]
        );
        assert_eq!(owner_tags(&id(), None), [ObjectTag::new(OWNER_IDENTITY_ID, id().as_str())]);
    }

    #[test]
    fn tag_values_keep_what_s3_accepts() {
        assert_eq!(tag_value("ada.lovelace+1@example.com"), "ada.lovelace+1@example.com");
        assert_eq!(tag_value("zoë 名前"), "zoë 名前");
        assert_eq!(tag_value("bob!#$%"), "bob____");
        assert_eq!(tag_value(&"x".repeat(300)).chars().count(), 256);
    }

    #[test]
    fn the_users_tags_are_kept_and_ours_replaced() {
        let ours = owner_tags(&id(), Some(&owner("ada")));
        let mut existing = user_tags(3);
        existing.push(ObjectTag::new(OWNER_SUB, "forged"));
        existing.push(ObjectTag::new(OWNER_IDENTITY_ID, "stale"));
        let TagMerge::Write(merged) = merge_tags(&existing, &ours) else { panic!("write") };
        assert_eq!(merged[..3], user_tags(3)[..]);
        assert_eq!(merged[3..], ours[..]);
    }

    #[test]
    fn a_second_merge_changes_nothing() {
        let ours = owner_tags(&id(), Some(&owner("ada")));
        let TagMerge::Write(merged) = merge_tags(&user_tags(2), &ours) else { panic!("write") };
        let mut shuffled = merged.clone();
        shuffled.reverse();
        assert_eq!(merge_tags(&shuffled, &ours), TagMerge::Unchanged);
    }

    #[test]
    fn ten_tags_at_most_and_never_at_the_users_expense() {
        let linked = owner_tags(&id(), Some(&owner("ada")));
        let unknown = owner_tags(&id(), None);
        assert!(matches!(merge_tags(&user_tags(8), &linked), TagMerge::Write(tags) if tags.len() == 10));
        assert_eq!(merge_tags(&user_tags(9), &linked), TagMerge::NoRoom { user_tags: 9 });
        assert!(matches!(merge_tags(&user_tags(9), &unknown), TagMerge::Write(tags) if tags.len() == 10));
        assert_eq!(merge_tags(&user_tags(10), &linked), TagMerge::NoRoom { user_tags: 10 });
        assert_eq!(merge_tags(&user_tags(10), &unknown), TagMerge::NoRoom { user_tags: 10 });
    }
}
