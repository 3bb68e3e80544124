//! Late events of a forgotten user's folder. Forgetting a user deletes their identity,
//! their directory items and their owner tags (or objects), and leaves
//! `forgotten-identity#<SHA-256 of the IdentityId>`. Credentials the user was issued
//! before stay valid for up to an hour, and S3's notifications may arrive after the forget
//! anyway: such an event must not bring the user back, neither as owner tags nor as
//! `unattributed#` counters keyed by their IdentityId. Pure: the decisions only; the
//! reads and the delete are in [`crate::object_owner`].

use directory::{DirectoryEntry, UsageAccount};

/// `FORGET_OBJECTS`, the stack's `ForgetObjects`: what a forget does to a forgotten user's
/// `private/<IdentityId>/` folder, and so what a late event of that folder does to the
/// object it names. One setting, read by the forget function and by object-owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FolderAction {
    /// `keep` (the default): the objects stay; only our owner tags are removed.
    #[default]
    Keep,
    /// `delete`: every object and every version (delete markers too) is deleted.
    Delete,
}

impl FolderAction {
    /// Reads `keep` or `delete` (surrounding blanks ignored).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "keep" => Some(FolderAction::Keep),
            "delete" => Some(FolderAction::Delete),
            _ => None,
        }
    }

    /// The setting's value.
    pub fn as_str(self) -> &'static str {
        match self {
            FolderAction::Keep => "keep",
            FolderAction::Delete => "delete",
        }
    }
}

/// Who the directory says a `private/<IdentityId>/` folder belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderOwner {
    /// The IdentityId is linked to this user.
    Linked(DirectoryEntry),
    /// No link, and `forgotten-identity#<hash>` exists: the folder of a forgotten user.
    Forgotten,
    /// No link and no tombstone: a folder whose owner the directory does not know (yet).
    Unknown,
}

impl FolderOwner {
    /// The linked user, if any.
    pub fn entry(&self) -> Option<&DirectoryEntry> {
        match self {
            FolderOwner::Linked(entry) => Some(entry),
            FolderOwner::Forgotten | FolderOwner::Unknown => None,
        }
    }
}

/// What to do with one object event, given its folder's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventPlan {
    /// Tag the object (a creation) and count the change on `UsageAccount`.
    Attribute(UsageAccount),
    /// A forgotten folder: nothing tagged, nothing counted, the object left as it is.
    LeaveForgotten,
    /// A forgotten folder's new object, deleted (`FORGET_OBJECTS=delete`): nothing tagged
    /// or counted either.
    DeleteForgotten,
}

/// Decides what an event of a folder does: a linked folder's events are attributed to the
/// user, an unknown folder's are counted as unattributed (and its creations tagged with
/// the IdentityId), a forgotten folder's are neither; its creations are deleted when
/// `action` is [`FolderAction::Delete`], and a removal needs nothing in either mode.
pub fn plan_event(owner: &FolderOwner, created: bool, action: FolderAction) -> EventPlan {
    match owner {
        FolderOwner::Linked(_) => EventPlan::Attribute(UsageAccount::Linked),
        FolderOwner::Unknown => EventPlan::Attribute(UsageAccount::Unattributed),
        FolderOwner::Forgotten if created && action == FolderAction::Delete => EventPlan::DeleteForgotten,
        FolderOwner::Forgotten => EventPlan::LeaveForgotten,
    }
}

/// What became of a late event of a forgotten folder, for its log line and the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgottenEvent {
    /// Left untouched and untagged (`keep`, or a removal).
    Ignored,
    /// The object (or the version the event named) was deleted.
    Deleted,
}

#[cfg(test)]
mod tests {
    use super::*;
    use directory::{IdentityId, UserPoolId};

    fn linked() -> FolderOwner {
        FolderOwner::Linked(DirectoryEntry {
            identity_id: IdentityId::parse("us-east-1:0f0c7e2a-1111-4222-8333-444455556666").unwrap(),
            user_pool_id: UserPoolId::parse("us-east-1_AbCdEf123").unwrap(),
            sub: "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd".into(),
            username: "ada".into(),
            linked_at: 1,
            usage: None,
            user_pool_written_at: None,
        })
    }

    #[test]
    fn linked_and_unknown_folders_are_attributed_whatever_the_setting() {
        for action in [FolderAction::Keep, FolderAction::Delete] {
            for created in [true, false] {
                assert_eq!(plan_event(&linked(), created, action), EventPlan::Attribute(UsageAccount::Linked));
                assert_eq!(
                    plan_event(&FolderOwner::Unknown, created, action),
                    EventPlan::Attribute(UsageAccount::Unattributed)
                );
            }
        }
    }

    #[test]
    fn a_forgotten_folder_is_never_attributed_and_its_new_objects_go_only_with_delete() {
        assert_eq!(plan_event(&FolderOwner::Forgotten, true, FolderAction::Keep), EventPlan::LeaveForgotten);
        assert_eq!(plan_event(&FolderOwner::Forgotten, true, FolderAction::Delete), EventPlan::DeleteForgotten);
        for action in [FolderAction::Keep, FolderAction::Delete] {
            assert_eq!(plan_event(&FolderOwner::Forgotten, false, action), EventPlan::LeaveForgotten, "a removal");
        }
    }

    #[test]
    fn the_setting_reads_keep_or_delete_only() {
        assert_eq!(FolderAction::parse("keep"), Some(FolderAction::Keep));
        assert_eq!(FolderAction::parse(" delete "), Some(FolderAction::Delete));
        assert_eq!(FolderAction::parse("Delete"), None);
        assert_eq!(FolderAction::parse(""), None);
        assert_eq!(FolderAction::default(), FolderAction::Keep);
        assert_eq!(FolderAction::Delete.as_str(), "delete");
    }

    #[test]
    fn only_a_linked_folder_names_a_user() {
        assert!(linked().entry().is_some());
        assert!(FolderOwner::Forgotten.entry().is_none() && FolderOwner::Unknown.entry().is_none());
    }
}
