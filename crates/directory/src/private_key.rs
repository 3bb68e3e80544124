//! From an S3 event's object key to the IdentityId whose `private/<IdentityId>/` folder
//! holds the object: what a downstream function needs before it asks the directory.

use lambda_foundation::IdentityId;

/// The folder the identity pool role lets each user write under (template.yaml).
pub const PRIVATE_PREFIX: &str = "private/";

/// Why an S3 event key names no private folder's owner. `Display` never repeats the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrivateKeyError {
    /// A `%` not followed by two hex digits.
    #[error("the object key is not URL-encoded as S3 event keys are")]
    BadEscape,
    /// The decoded key is not UTF-8.
    #[error("the decoded object key is not UTF-8")]
    NotUtf8,
    /// The key is not `private/<IdentityId>/…`.
    #[error("the object key is not under private/<IdentityId>/")]
    NotPrivate,
    /// The folder name is not an IdentityId.
    #[error("the folder under private/ is not an IdentityId")]
    InvalidIdentityId,
}

/// The IdentityId owning the object of an S3 event record's `s3.object.key`.
///
/// Event keys are URL-encoded: real S3 writes a space as `+` and keeps `/`; moto encodes
/// `/` as `%2F` too. Both decode here, once (a `%25` stays a literal `%`).
///
/// ```
/// use directory::identity_id_from_private_key;
///
/// let id = identity_id_from_private_key("private/us-east-1%3A0f0c7e2a-1111-4222-8333-444455556666/my+cat.jpg").unwrap();
/// assert_eq!(id.as_str(), "us-east-1:0f0c7e2a-1111-4222-8333-444455556666");
/// assert!(identity_id_from_private_key("public/cat.jpg").is_err());
/// ```
pub fn identity_id_from_private_key(event_key: &str) -> Result<IdentityId, PrivateKeyError> {
    identity_id_from_object_key(&url_decode(event_key)?)
}

/// The object key of an S3 event record's `s3.object.key`, decoded once (`+` is a
/// space, `%XX` a byte): the key to call S3 with.
///
/// ```
/// use directory::decode_event_key;
///
/// assert_eq!(decode_event_key("private%2Fus-east-1%3Aabc%2Fmy+caf%C3%A9.txt").unwrap(), "private/us-east-1:abc/my café.txt");
/// assert!(decode_event_key("100%").is_err());
/// ```
pub fn decode_event_key(event_key: &str) -> Result<String, PrivateKeyError> {
    url_decode(event_key)
}

/// The IdentityId owning an object key as S3 stores it (already decoded, e.g. by
/// [`decode_event_key`], or from a listing): `private/<IdentityId>/…`.
///
/// ```
/// use directory::identity_id_from_object_key;
///
/// let id = identity_id_from_object_key("private/us-east-1:0f0c7e2a-1111-4222-8333-444455556666/a b.txt").unwrap();
/// assert_eq!(id.as_str(), "us-east-1:0f0c7e2a-1111-4222-8333-444455556666");
/// ```
pub fn identity_id_from_object_key(key: &str) -> Result<IdentityId, PrivateKeyError> {
    let rest = key.strip_prefix(PRIVATE_PREFIX).ok_or(PrivateKeyError::NotPrivate)?;
    let (folder, _object) = rest.split_once('/').ok_or(PrivateKeyError::NotPrivate)?;
    IdentityId::parse(folder).map_err(|_| PrivateKeyError::InvalidIdentityId)
}

/// Decodes `application/x-www-form-urlencoded` style: `+` is a space, `%XX` a byte.
fn url_decode(text: &str) -> Result<String, PrivateKeyError> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = input.next().and_then(hex_value).ok_or(PrivateKeyError::BadEscape)?;
                let low = input.next().and_then(hex_value).ok_or(PrivateKeyError::BadEscape)?;
                bytes.push(high << 4 | low);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|_| PrivateKeyError::NotUtf8)
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|value| value as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "us-east-1:0f0c7e2a-1111-4222-8333-444455556666";

    fn owner(key: &str) -> Result<String, PrivateKeyError> {
        identity_id_from_private_key(key).map(|id| id.to_string())
    }

    #[test]
    fn keys_as_s3_and_moto_encode_them() {
        // Real S3: `/` kept, `:` encoded, spaces as `+`.
        assert_eq!(owner("private/us-east-1%3A0f0c7e2a-1111-4222-8333-444455556666/a+b.txt").unwrap(), ID);
        // moto: `/` encoded too.
        assert_eq!(owner("private%2Fus-east-1%3A0f0c7e2a-1111-4222-8333-444455556666%2Ff.txt").unwrap(), ID);
        // Not encoded at all (a key from a listing, not an event).
        assert_eq!(owner(&format!("private/{ID}/f.txt")).unwrap(), ID);
        // Lowercase hex escapes.
        assert_eq!(owner("private%2fus-east-1%3a0f0c7e2a-1111-4222-8333-444455556666%2ff").unwrap(), ID);
    }

    #[test]
    fn nested_and_unicode_keys() {
        assert_eq!(owner(&format!("private/{ID}/photos/2026/01/x.jpg")).unwrap(), ID);
        assert_eq!(owner(&format!("private/{ID}/caf%C3%A9+%E2%98%95.txt")).unwrap(), ID);
        // A folder marker of the user's folder itself.
        assert_eq!(owner(&format!("private/{ID}/")).unwrap(), ID);
        // `%25` decodes once: the object name keeps a literal `%2F`, not a folder.
        assert_eq!(owner(&format!("private/{ID}/100%252F.txt")).unwrap(), ID);
    }

    #[test]
    fn malformed_keys_are_refused_with_a_reason() {
        assert_eq!(owner("public/x.txt"), Err(PrivateKeyError::NotPrivate));
        assert_eq!(owner(&format!("private/{ID}")), Err(PrivateKeyError::NotPrivate));
        assert_eq!(owner(&format!("Private/{ID}/x")), Err(PrivateKeyError::NotPrivate));
        assert_eq!(owner(""), Err(PrivateKeyError::NotPrivate));
        assert_eq!(owner("private//x"), Err(PrivateKeyError::InvalidIdentityId));
        assert_eq!(owner("private/not-an-id/x"), Err(PrivateKeyError::InvalidIdentityId));
        assert_eq!(owner("private/US-EAST-1:0F0C/x"), Err(PrivateKeyError::InvalidIdentityId));
        assert_eq!(owner("private/us-east-1%3Ag0/x"), Err(PrivateKeyError::InvalidIdentityId));
        assert_eq!(owner("private/%zz/x"), Err(PrivateKeyError::BadEscape));
        assert_eq!(owner("private/%4"), Err(PrivateKeyError::BadEscape));
        assert_eq!(owner("private/%FF/x"), Err(PrivateKeyError::NotUtf8));
        // Longer than any IdentityId.
        assert_eq!(owner(&format!("private/us-east-1:{}/x", "a".repeat(60))), Err(PrivateKeyError::InvalidIdentityId));
    }
}
