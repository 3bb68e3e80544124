//! The owner tags the object-owner function writes on each object of a private folder,
//! as `whois s3://…` shows them next to the directory's answer: one
//! `GetObjectTagging` with the caller's (admin) credentials.

use aws_sdk_s3 as s3;

use crate::aws_failure::AwsFailure;

/// The tags object-owner writes, in the order `whois` shows them.
pub const OWNER_TAGS: [&str; 3] = ["owner-sub", "owner-username", "owner-identity-id"];

/// What the bucket says about one object's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectOwnerTags {
    /// The object exists; its owner tags (possibly none yet: the pipeline is asynchronous).
    Tagged(Vec<(String, String)>),
    /// The bucket has no such object (or no such bucket).
    NoSuchObject,
}

impl ObjectOwnerTags {
    /// One line for people: `owner-sub=…, owner-username=…`, or why there is none.
    pub fn describe(&self) -> String {
        match self {
            ObjectOwnerTags::Tagged(tags) if tags.is_empty() => {
                "none yet (object-owner tags each object shortly after it is written)".into()
            }
            ObjectOwnerTags::Tagged(tags) => {
                tags.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(", ")
            }
            ObjectOwnerTags::NoSuchObject => "no such object in the bucket".into(),
        }
    }

    /// The tags as a JSON object (`null` when there is no object).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ObjectOwnerTags::Tagged(tags) => {
                serde_json::Value::Object(tags.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect())
            }
            ObjectOwnerTags::NoSuchObject => serde_json::Value::Null,
        }
    }
}

/// The bucket and key of an `s3://bucket/key` URI; `None` for anything else.
pub fn s3_object_of(text: &str) -> Option<(&str, &str)> {
    let (bucket, key) = text.trim().strip_prefix("s3://")?.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// The owner tags of the object (only [`OWNER_TAGS`], the user's own tags are theirs).
pub async fn owner_tags(s3: &s3::Client, bucket: &str, key: &str) -> Result<ObjectOwnerTags, AwsFailure> {
    match s3.get_object_tagging().bucket(bucket).key(key).send().await {
        Ok(output) => {
            Ok(ObjectOwnerTags::Tagged(pick_owner_tags(output.tag_set().iter().map(|tag| (tag.key(), tag.value())))))
        }
        Err(err) => {
            let failure = AwsFailure::from_sdk(&err);
            match failure.code() {
                Some("NoSuchKey" | "NoSuchBucket" | "NotFound") => Ok(ObjectOwnerTags::NoSuchObject),
                _ => Err(failure),
            }
        }
    }
}

/// The owner tags among `tags`, in [`OWNER_TAGS`] order.
pub fn pick_owner_tags<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let tags: Vec<(&str, &str)> = tags.collect();
    OWNER_TAGS
        .iter()
        .filter_map(|name| tags.iter().find(|(key, _)| key == name).map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_their_bucket_and_key() {
        assert_eq!(s3_object_of("s3://b/private/x/f"), Some(("b", "private/x/f")));
        assert_eq!(s3_object_of("private/x/f"), None);
        assert_eq!(s3_object_of("s3://b"), None);
        assert_eq!(s3_object_of("s3:///k"), None);
    }

    #[test]
    fn only_the_owner_tags_are_shown_in_their_order() {
        let tags = [("project", "x"), ("owner-username", "alice"), ("owner-sub", "s-1")];
        let picked = pick_owner_tags(tags.into_iter());
        assert_eq!(picked, vec![("owner-sub".into(), "s-1".into()), ("owner-username".into(), "alice".into())]);
        assert_eq!(ObjectOwnerTags::Tagged(picked).describe(), "owner-sub=s-1, owner-username=alice");
        assert!(ObjectOwnerTags::Tagged(vec![]).describe().starts_with("none yet"));
    }
}
