//! What happens to a forgotten user's folder (`ForgetObjects`), and the pure decisions of
//! the folder work: which tags remain, how keys are batched.

use object_owner::owner_tags::{OWNER_TAG_KEYS, ObjectTag};

/// `ForgetObjects`: what a forget does to the objects under `private/<IdentityId>/`.
/// Defined with object-owner, which reads the same `FORGET_OBJECTS` for late events of
/// a forgotten folder: one setting, one parser.
pub use object_owner::forgotten_folder::FolderAction;

/// The most keys one `DeleteObjects` takes.
pub const MAX_KEYS_PER_DELETE: usize = 1000;

/// An object's tags without ours: `None` when it carries none of ours (nothing to write),
/// else the user's own tags, in their order (possibly none).
pub fn without_owner_tags(existing: &[ObjectTag]) -> Option<Vec<ObjectTag>> {
    if !existing.iter().any(|tag| OWNER_TAG_KEYS.contains(&tag.key.as_str())) {
        return None;
    }
    Some(existing.iter().filter(|tag| !OWNER_TAG_KEYS.contains(&tag.key.as_str())).cloned().collect())
}

/// The folder of an IdentityId.
pub fn folder_prefix(identity_id: &directory::IdentityId) -> String {
    format!("{}{identity_id}/", directory::PRIVATE_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_tags_go_and_the_user_tags_stay_in_order() {
        let tags = [
            ObjectTag::new("project", "x"),
            ObjectTag::new("owner-sub", "s"),
            ObjectTag::new("owner-username", "ada"),
            ObjectTag::new("colour", "red"),
        ];
        assert_eq!(
            without_owner_tags(&tags),
            Some(vec![ObjectTag::new("project", "x"), ObjectTag::new("colour", "red")])
        );
        assert_eq!(without_owner_tags(&[ObjectTag::new("project", "x")]), None);
        assert_eq!(without_owner_tags(&[]), None);
        assert_eq!(without_owner_tags(&[ObjectTag::new("owner-identity-id", "i")]), Some(vec![]));
    }

    #[test]
    fn the_folder_is_the_private_prefix_of_the_identity_id() {
        let id = directory::IdentityId::parse("us-east-1:0f0c7e2a-1111-4222-8333-444455556666").unwrap();
        assert_eq!(folder_prefix(&id), "private/us-east-1:0f0c7e2a-1111-4222-8333-444455556666/");
    }
}
