//! What `whois` was asked about, from the shape of its argument: an IdentityId (bare,
//! or as the folder of an S3 object: `s3://bucket/private/<IdentityId>/file` or
//! `private/<IdentityId>/file`), a `sub` (bare, or as the folder of an object of the
//! `sub` layout: `s3://bucket/users/<sub>/file` or `users/<sub>/file`), or a username.
//! A pure function, no I/O.

use directory::{
    IdentityId, PRIVATE_PREFIX, SUB_PREFIX, decode_event_key, identity_id_from_private_key, sub_from_object_key,
};

/// How `--by` forces the kind of an id (`Auto` reads its shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WhoisBy {
    /// Guess from the shape: an S3 URI or `private/…` key, <region>:<uuid> (an IdentityId), a uuid (a sub), else a username
    Auto,
    /// A user name (AdminGetUser)
    Username,
    /// A user pool sub
    Sub,
    /// An identity pool IdentityId, or an S3 URI or key under private/<IdentityId>/
    IdentityId,
}

/// The id to look up, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhoisQuery {
    /// An IdentityId, given bare or as an S3 object's folder.
    IdentityId(IdentityId),
    /// A user pool `sub`.
    Sub(String),
    /// A username.
    Username(String),
}

impl WhoisQuery {
    /// The name of the kind, as the output and messages show it.
    pub fn kind(&self) -> &'static str {
        match self {
            WhoisQuery::IdentityId(_) => "identity-id",
            WhoisQuery::Sub(_) => "sub",
            WhoisQuery::Username(_) => "username",
        }
    }

    /// The id itself.
    pub fn id(&self) -> &str {
        match self {
            WhoisQuery::IdentityId(id) => id.as_str(),
            WhoisQuery::Sub(id) | WhoisQuery::Username(id) => id,
        }
    }
}

/// Reads `text` as `by` says (`Auto`: from its shape). The error says what was expected.
pub fn parse_whois_query(text: &str, by: WhoisBy) -> Result<WhoisQuery, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("whois needs an id: an IdentityId, an S3 URI or key, a sub or a username".into());
    }
    let object_key = object_key_of(text);
    if let Some(key) = object_key.filter(|key| key.starts_with(SUB_PREFIX)) {
        return match by {
            WhoisBy::Auto | WhoisBy::Sub => sub_of_key(key).map(WhoisQuery::Sub),
            _ => Err(format!("a key under {SUB_PREFIX} names a sub, not an {}: use --by sub (or auto)", by_name(by))),
        };
    }
    match by {
        WhoisBy::Username => Ok(WhoisQuery::Username(text.to_owned())),
        WhoisBy::Sub => Ok(WhoisQuery::Sub(text.to_owned())),
        WhoisBy::IdentityId => identity_id_of(text, object_key).map(WhoisQuery::IdentityId),
        WhoisBy::Auto if object_key.is_some() => identity_id_of(text, object_key).map(WhoisQuery::IdentityId),
        WhoisBy::Auto => Ok(match IdentityId::parse(text) {
            Ok(id) if looks_like_identity_id(&id) => WhoisQuery::IdentityId(id),
            _ if is_uuid(text) => WhoisQuery::Sub(text.to_owned()),
            _ => WhoisQuery::Username(text.to_owned()),
        }),
    }
}

/// The object key of an S3 URI (`s3://bucket/key`) or of a key under `private/` or `users/`.
fn object_key_of(text: &str) -> Option<&str> {
    match text.strip_prefix("s3://") {
        Some(rest) => Some(rest.split_once('/').map_or("", |(_bucket, key)| key)),
        None => (text.starts_with(PRIVATE_PREFIX) || text.starts_with(SUB_PREFIX)).then_some(text),
    }
}

/// Whether `text` is an S3 URI or key of a `users/<sub>/` folder (the `sub` layout).
pub fn names_a_sub_folder(text: &str) -> bool {
    object_key_of(text.trim()).is_some_and(|key| key.starts_with(SUB_PREFIX))
}

fn sub_of_key(key: &str) -> Result<String, String> {
    let decoded = decode_event_key(key).map_err(|why| why.to_string())?;
    sub_from_object_key(&decoded)
        .map(|sub| sub.to_string())
        .map_err(|why| format!("{why}: expected s3://<bucket>/users/<sub>/<file> or users/<sub>/<file>"))
}

fn by_name(by: WhoisBy) -> &'static str {
    match by {
        WhoisBy::Auto => "auto",
        WhoisBy::Username => "username",
        WhoisBy::Sub => "sub",
        WhoisBy::IdentityId => "identity-id",
    }
}

fn identity_id_of(text: &str, object_key: Option<&str>) -> Result<IdentityId, String> {
    match object_key {
        Some(key) => identity_id_from_private_key(key).map_err(|why| {
            format!("{why}: expected s3://<bucket>/private/<IdentityId>/<file> or private/<IdentityId>/<file>")
        }),
        None => IdentityId::parse(text).map_err(|why| why.to_string()),
    }
}

/// `<region>:<uuid>` with a region that has a dash (`us-east-1`), so `alice:<uuid>` stays a username.
fn looks_like_identity_id(id: &IdentityId) -> bool {
    id.region().contains('-') && id.as_str().split_once(':').is_some_and(|(_, uuid)| is_uuid(uuid))
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, len)| group.len() == len)
        && groups.iter().all(|group| group.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6";

    fn auto(text: &str) -> WhoisQuery {
        parse_whois_query(text, WhoisBy::Auto).unwrap()
    }

    fn identity(id: &str) -> WhoisQuery {
        WhoisQuery::IdentityId(IdentityId::parse(id).unwrap())
    }

    #[test]
    fn the_shape_of_an_id_says_how_to_look_it_up() {
        assert_eq!(auto(ID), identity(ID));
        assert_eq!(
            auto("7d8ca528-4931-4254-9273-ea5ee853f271"),
            WhoisQuery::Sub("7d8ca528-4931-4254-9273-ea5ee853f271".into())
        );
        assert_eq!(auto("alice"), WhoisQuery::Username("alice".into()));
        assert_eq!(
            auto("alice:7d8ca528-4931-4254-9273-ea5ee853f271"),
            WhoisQuery::Username("alice:7d8ca528-4931-4254-9273-ea5ee853f271".into())
        );
        assert_eq!(auto("7d8ca528-4931-4254-9273"), WhoisQuery::Username("7d8ca528-4931-4254-9273".into()));
        let forced = parse_whois_query("7d8ca528-4931-4254-9273-ea5ee853f271", WhoisBy::Username).unwrap();
        assert_eq!(forced.kind(), "username");
    }

    #[test]
    fn s3_uris_and_keys_name_the_folder_owner() {
        assert_eq!(auto(&format!("s3://my-bucket/private/{ID}/photos/cat.jpg")), identity(ID));
        assert_eq!(auto(&format!("private/{ID}/cat.jpg")), identity(ID));
        // As an S3 event writes it.
        assert_eq!(auto("private/us-east-1%3A1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6/my+cat.jpg"), identity(ID));
        assert_eq!(parse_whois_query(&format!("private/{ID}/f"), WhoisBy::IdentityId).unwrap(), identity(ID));
    }

    #[test]
    fn sub_folder_keys_name_their_sub() {
        let sub = "7d8ca528-4931-4254-9273-ea5ee853f271";
        assert_eq!(auto(&format!("s3://my-bucket/users/{sub}/photos/cat.jpg")), WhoisQuery::Sub(sub.into()));
        assert_eq!(auto(&format!("users/{sub}/my+cat.jpg")), WhoisQuery::Sub(sub.into()));
        assert!(
            names_a_sub_folder(&format!("s3://b/users/{sub}/f")) && !names_a_sub_folder(&format!("private/{ID}/f"))
        );
        let err = parse_whois_query("users/not-a-sub/f", WhoisBy::Auto).unwrap_err();
        assert!(err.contains("expected s3://<bucket>/users/<sub>/<file>"), "{err}");
        let err = parse_whois_query(&format!("users/{sub}/f"), WhoisBy::IdentityId).unwrap_err();
        assert!(err.contains("--by sub"), "{err}");
    }

    #[test]
    fn what_names_no_owner_is_refused_with_what_was_expected() {
        for bad in ["s3://my-bucket/public/cat.jpg", "s3://my-bucket", "private/not-an-id/f", &format!("private/{ID}")]
        {
            let err = parse_whois_query(bad, WhoisBy::Auto).unwrap_err();
            assert!(err.contains("expected s3://<bucket>/private/<IdentityId>/<file>"), "{bad}: {err}");
        }
        let err = parse_whois_query("alice", WhoisBy::IdentityId).unwrap_err();
        assert!(err.starts_with("expected an IdentityId"), "{err}");
        assert!(parse_whois_query("  ", WhoisBy::Auto).is_err());
    }
}
