//! The names of a user's objects in their private folder: the key `upload` writes
//! (`private/<IdentityId>/<name>`), the name it defaults to, and the name `ls` shows.
//! Pure functions, no I/O: the checks S3 would make later, made before any call.

use std::path::Path;

use directory::{IdentityId, PRIVATE_PREFIX};

/// S3's limit on a key's length, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// The folder of `identity_id`: `private/<IdentityId>/`, what the identity pool's role allows.
pub fn private_folder(identity_id: &IdentityId) -> String {
    format!("{PRIVATE_PREFIX}{}/", identity_id.as_str())
}

/// The name to store `file` under: `key` when given, else the file's own name. The error
/// says what is wrong with it.
pub fn object_name(file: &Path, key: Option<&str>) -> Result<String, String> {
    let name = match key {
        Some(key) => key.to_owned(),
        None => file
            .file_name()
            .and_then(|name| name.to_str())
            .map(str::to_owned)
            .ok_or_else(|| format!("{} has no UTF-8 file name: name the object with --key", file.display()))?,
    };
    if name.is_empty() {
        return Err("the object name is empty".into());
    }
    if name.starts_with('/') || name.ends_with('/') {
        return Err(format!("the object name {name:?} starts or ends with '/'"));
    }
    if name.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return Err(format!("the object name {name:?} has an empty, '.' or '..' part"));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("the object name {name:?} has a control character"));
    }
    Ok(name)
}

/// The key of `name` in `identity_id`'s folder, refused past S3's key length.
pub fn private_object_key(identity_id: &IdentityId, name: &str) -> Result<String, String> {
    let key = format!("{}{name}", private_folder(identity_id));
    if key.len() > MAX_KEY_BYTES {
        return Err(format!("the key would be {} bytes, over S3's {MAX_KEY_BYTES}", key.len()));
    }
    Ok(key)
}

/// The name `key` has inside `identity_id`'s folder (`None` when it is not in it).
pub fn name_in_folder<'a>(identity_id: &IdentityId, key: &'a str) -> Option<&'a str> {
    key.strip_prefix(&private_folder(identity_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> IdentityId {
        IdentityId::parse("us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6").unwrap()
    }

    #[test]
    fn the_name_defaults_to_the_file_name_and_lands_in_the_folder() {
        assert_eq!(object_name(Path::new("/tmp/notes.txt"), None).unwrap(), "notes.txt");
        assert_eq!(object_name(Path::new("x"), Some("docs/ünï code.txt")).unwrap(), "docs/ünï code.txt");
        let key = private_object_key(&id(), "docs/a.txt").unwrap();
        assert_eq!(key, "private/us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6/docs/a.txt");
        assert_eq!(name_in_folder(&id(), &key), Some("docs/a.txt"));
        assert_eq!(name_in_folder(&id(), "private/other/a.txt"), None);
    }

    #[test]
    fn names_that_would_leave_the_folder_or_break_s3_are_refused() {
        for bad in ["", "/a", "a/", "a//b", "../a", "a/./b", "a\nb"] {
            assert!(object_name(Path::new("f"), Some(bad)).is_err(), "{bad:?}");
        }
        assert!(object_name(Path::new("/"), None).is_err());
        assert!(private_object_key(&id(), &"a".repeat(MAX_KEY_BYTES)).is_err());
    }
}
