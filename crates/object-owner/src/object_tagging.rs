//! The object's tags in S3: read them, write them. The S3 calls and nothing else.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Tag, Tagging};
use lambda_foundation::aws_failure::{AwsFailure, sdk_error_code};

use crate::owner_tags::ObjectTag;

/// S3's code for an object that no longer exists (deleted after the event was sent).
const NO_SUCH_KEY: &str = "NoSuchKey";

/// The tags of `bucket`/`key`: one `GetObjectTagging`. `Ok(None)` when the object is gone.
pub async fn read_tags(s3: &Client, bucket: &str, key: &str) -> Result<Option<Vec<ObjectTag>>, AwsFailure> {
    match s3.get_object_tagging().bucket(bucket).key(key).send().await {
        Ok(output) => Ok(Some(output.tag_set().iter().map(|tag| ObjectTag::new(tag.key(), tag.value())).collect())),
        Err(error) if sdk_error_code(&error) == NO_SUCH_KEY => Ok(None),
        Err(error) => Err(AwsFailure::from_sdk_error("GetObjectTagging", &error)),
    }
}

/// Replaces the tag set of `bucket`/`key` with `tags`: one `PutObjectTagging`. `Ok(false)`
/// when the object is gone.
pub async fn write_tags(s3: &Client, bucket: &str, key: &str, tags: &[ObjectTag]) -> Result<bool, AwsFailure> {
    let tag_set = tags
        .iter()
        .map(|tag| Tag::builder().key(&tag.key).value(&tag.value).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| AwsFailure::from_code("PutObjectTagging", "construction_failure"))?;
    let tagging = Tagging::builder()
        .set_tag_set(Some(tag_set))
        .build()
        .map_err(|_| AwsFailure::from_code("PutObjectTagging", "construction_failure"))?;
    match s3.put_object_tagging().bucket(bucket).key(key).tagging(tagging).send().await {
        Ok(_) => Ok(true),
        Err(error) if sdk_error_code(&error) == NO_SUCH_KEY => Ok(false),
        Err(error) => Err(AwsFailure::from_sdk_error("PutObjectTagging", &error)),
    }
}
