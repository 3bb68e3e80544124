//! From an object key under `users/<sub>/` (the `sub` and `both` folder layouts) to the
//! user-pool `sub` that names the folder. IAM lets a session write there only when the
//! folder equals its principal tag `sub`, which Cognito copies from the verified token:
//! the key names its owner, with no directory read and no Cognito call.

use crate::private_key::{PrivateKeyError, decode_event_key};

/// The folder of the `sub` layout (template.yaml's `SubFolderPolicy`).
pub const SUB_PREFIX: &str = "users/";

/// Why an object key names no `users/<sub>/` folder's owner. `Display` never repeats the
/// key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubKeyError {
    /// A `%` not followed by two hex digits.
    #[error("the object key is not URL-encoded as S3 event keys are")]
    BadEscape,
    /// The decoded key is not UTF-8.
    #[error("the decoded object key is not UTF-8")]
    NotUtf8,
    /// The key is not `users/<sub>/…`.
    #[error("the object key is not under users/<sub>/")]
    NotSubFolder,
    /// The folder name is not a user-pool `sub` (a UUID).
    #[error("the folder under users/ is not a user-pool sub")]
    InvalidSub,
}

/// A user-pool `sub` read from a folder name: a UUID (8-4-4-4-12 hex digits), kept as
/// written, since IAM compares the folder with the principal tag byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FolderSub(String);

impl FolderSub {
    /// `text` when it is a UUID, the shape of every Cognito `sub`.
    pub fn parse(text: &str) -> Result<Self, SubKeyError> {
        let groups: Vec<&str> = text.split('-').collect();
        let lengths = [8, 4, 4, 4, 12];
        let valid = groups.len() == lengths.len()
            && groups
                .iter()
                .zip(lengths)
                .all(|(group, length)| group.len() == length && group.bytes().all(|b| b.is_ascii_hexdigit()));
        if valid { Ok(FolderSub(text.to_owned())) } else { Err(SubKeyError::InvalidSub) }
    }

    /// The `sub` as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FolderSub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `sub` owning the object of an S3 event record's `s3.object.key` (URL-encoded as
/// S3 and moto encode it; decoded once, as [`decode_event_key`] does).
///
/// ```
/// use directory::sub_from_event_key;
///
/// let sub = sub_from_event_key("users%2F7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd%2Fmy+cat.jpg").unwrap();
/// assert_eq!(sub.as_str(), "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd");
/// assert!(sub_from_event_key("private/us-east-1%3Aabc/cat.jpg").is_err());
/// ```
pub fn sub_from_event_key(event_key: &str) -> Result<FolderSub, SubKeyError> {
    let key = decode_event_key(event_key).map_err(|error| match error {
        PrivateKeyError::NotUtf8 => SubKeyError::NotUtf8,
        _ => SubKeyError::BadEscape,
    })?;
    sub_from_object_key(&key)
}

/// The `sub` owning an object key as S3 stores it (decoded): `users/<sub>/…`.
///
/// ```
/// use directory::sub_from_object_key;
///
/// let sub = sub_from_object_key("users/7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd/a b.txt").unwrap();
/// assert_eq!(sub.as_str(), "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd");
/// ```
pub fn sub_from_object_key(key: &str) -> Result<FolderSub, SubKeyError> {
    let rest = key.strip_prefix(SUB_PREFIX).ok_or(SubKeyError::NotSubFolder)?;
    let (folder, _object) = rest.split_once('/').ok_or(SubKeyError::NotSubFolder)?;
    FolderSub::parse(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd";

    fn owner(key: &str) -> Result<String, SubKeyError> {
        sub_from_event_key(key).map(|sub| sub.to_string())
    }

    #[test]
    fn keys_as_s3_and_moto_encode_them() {
        assert_eq!(owner(&format!("users/{SUB}/a+b.txt")).unwrap(), SUB);
        assert_eq!(owner(&format!("users%2F{SUB}%2Ff.txt")).unwrap(), SUB);
        assert_eq!(owner(&format!("users%2f{SUB}%2ff")).unwrap(), SUB);
        assert_eq!(owner(&format!("users/{SUB}/photos/2026/x.jpg")).unwrap(), SUB);
        assert_eq!(owner(&format!("users/{SUB}/")).unwrap(), SUB);
        assert_eq!(owner(&format!("users/{SUB}/100%252F.txt")).unwrap(), SUB);
    }

    #[test]
    fn malformed_keys_are_refused_with_a_reason() {
        assert_eq!(owner("public/x.txt"), Err(SubKeyError::NotSubFolder));
        assert_eq!(owner(&format!("users/{SUB}")), Err(SubKeyError::NotSubFolder));
        assert_eq!(owner(&format!("Users/{SUB}/x")), Err(SubKeyError::NotSubFolder));
        assert_eq!(owner(&format!("private/{SUB}/x")), Err(SubKeyError::NotSubFolder));
        assert_eq!(owner(""), Err(SubKeyError::NotSubFolder));
        assert_eq!(owner("users//x"), Err(SubKeyError::InvalidSub));
        assert_eq!(owner("users/not-a-sub/x"), Err(SubKeyError::InvalidSub));
        assert_eq!(owner("users/7d8e9f00aaaa4bbb8cccdddddddddddd/x"), Err(SubKeyError::InvalidSub));
        assert_eq!(owner("users/7d8e9f00-aaaa-4bbb-8ccc-ddddddddddd/x"), Err(SubKeyError::InvalidSub));
        assert_eq!(owner("users/7d8e9f00-aaaa-4bbb-8ccc-dddddddddddg/x"), Err(SubKeyError::InvalidSub));
        assert_eq!(owner("users/%zz/x"), Err(SubKeyError::BadEscape));
        assert_eq!(owner("users/%FF/x"), Err(SubKeyError::NotUtf8));
    }

    #[test]
    fn errors_never_repeat_the_key() {
        let key = format!("users/{SUB}-secret/x");
        let error = sub_from_object_key(&key).unwrap_err();
        assert!(!error.to_string().contains("secret"));
    }
}
