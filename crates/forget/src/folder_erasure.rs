//! S3's side: a forgotten user's `private/<IdentityId>/` folder, tags removed (`keep`) or
//! every version deleted (`delete`), a page of up to 1,000 keys at a time, paced.
//!
//! Resuming: in `delete` mode the listing itself is the progress (what is deleted is no
//! longer listed), so a re-run continues with what is left. In `keep` mode the last key
//! done is saved in the directory after each page (`forget#<pool>#<sub>`), and a re-run
//! lists from there.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use directory::{ForgetProgress, IdentityDirectory, IdentityId, UserPoolId};
use lambda_foundation::aws_failure::AwsFailure;
use object_owner::object_tagging::{read_tags, write_tags};

use crate::error::ForgetError;
use crate::folder_action::{FolderAction, MAX_KEYS_PER_DELETE, folder_prefix, without_owner_tags};

/// What a folder's erasure did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FolderDone {
    /// Objects whose owner tags were removed (`keep`).
    pub untagged: u64,
    /// Object versions and delete markers deleted (`delete`).
    pub deleted: u64,
}

/// Works on the folders of one user.
#[derive(Debug, Clone)]
pub struct FolderEraser<'a> {
    /// The private bucket.
    pub s3: &'a Client,
    /// Its name.
    pub bucket: &'a str,
    /// The directory, for `keep`'s progress.
    pub directory: &'a IdentityDirectory,
    /// The pause between pages.
    pub pace: Duration,
    /// Keys per listing page (S3's maximum is 1,000).
    pub page_size: i32,
}

impl FolderEraser<'_> {
    /// Erases the folder of `identity_id` as `action` says.
    pub async fn erase(
        &self,
        action: FolderAction,
        user: (&UserPoolId, &str),
        identity_id: &IdentityId,
        resume: Option<&ForgetProgress>,
    ) -> Result<FolderDone, ForgetError> {
        match action {
            FolderAction::Keep => self.untag(user, identity_id, resume).await,
            FolderAction::Delete => self.delete_all(identity_id).await,
        }
    }

    async fn untag(
        &self,
        (pool, sub): (&UserPoolId, &str),
        identity_id: &IdentityId,
        resume: Option<&ForgetProgress>,
    ) -> Result<FolderDone, ForgetError> {
        let prefix = folder_prefix(identity_id);
        let mut start_after = resume.filter(|p| p.identity_id == *identity_id).map(|p| p.start_after.clone());
        let mut done = FolderDone::default();
        loop {
            let page = self
                .s3
                .list_objects_v2()
                .bucket(self.bucket)
                .prefix(&prefix)
                .max_keys(self.page_size)
                .set_start_after(start_after.clone())
                .send()
                .await
                .map_err(|error| ForgetError::S3(AwsFailure::from_sdk_error("ListObjectsV2", &error)))?;
            let keys: Vec<&str> = page.contents().iter().filter_map(|object| object.key()).collect();
            for key in &keys {
                let Some(tags) = read_tags(self.s3, self.bucket, key).await.map_err(ForgetError::S3)? else { continue };
                if let Some(kept) = without_owner_tags(&tags) {
                    if kept.is_empty() {
                        self.delete_tags(key).await?;
                    } else {
                        write_tags(self.s3, self.bucket, key, &kept).await.map_err(ForgetError::S3)?;
                    }
                    done.untagged += 1;
                }
            }
            let truncated = page.is_truncated().unwrap_or(false);
            let Some(last) = keys.last() else { return Ok(done) };
            if !truncated {
                return Ok(done);
            }
            let progress = ForgetProgress { identity_id: identity_id.clone(), start_after: (*last).to_owned() };
            self.directory.save_forget_progress(pool, sub, &progress).await?;
            start_after = Some(progress.start_after);
            tokio::time::sleep(self.pace).await;
        }
    }

    /// `DeleteObjectTagging`: the object had only our tags.
    async fn delete_tags(&self, key: &str) -> Result<(), ForgetError> {
        match self.s3.delete_object_tagging().bucket(self.bucket).key(key).send().await {
            Ok(_) => Ok(()),
            Err(error) if lambda_foundation::aws_failure::sdk_error_code(&error) == "NoSuchKey" => Ok(()),
            Err(error) => Err(ForgetError::S3(AwsFailure::from_sdk_error("DeleteObjectTagging", &error))),
        }
    }

    async fn delete_all(&self, identity_id: &IdentityId) -> Result<FolderDone, ForgetError> {
        let prefix = folder_prefix(identity_id);
        let mut done = FolderDone::default();
        loop {
            // Always the first page: what was deleted is no longer listed.
            let page = self
                .s3
                .list_object_versions()
                .bucket(self.bucket)
                .prefix(&prefix)
                .max_keys(self.page_size.min(MAX_KEYS_PER_DELETE as i32))
                .send()
                .await
                .map_err(|error| ForgetError::S3(AwsFailure::from_sdk_error("ListObjectVersions", &error)))?;
            let mut targets = Vec::new();
            for version in page.versions() {
                targets.push((version.key(), version.version_id()));
            }
            for marker in page.delete_markers() {
                targets.push((marker.key(), marker.version_id()));
            }
            let objects = targets
                .into_iter()
                .filter_map(|(key, version)| {
                    ObjectIdentifier::builder().key(key?).set_version_id(version.map(str::to_owned)).build().ok()
                })
                .take(MAX_KEYS_PER_DELETE)
                .collect::<Vec<_>>();
            if objects.is_empty() {
                return Ok(done);
            }
            let count = objects.len() as u64;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|_| ForgetError::S3(AwsFailure::from_code("DeleteObjects", "construction_failure")))?;
            let output = self
                .s3
                .delete_objects()
                .bucket(self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|error| ForgetError::S3(AwsFailure::from_sdk_error("DeleteObjects", &error)))?;
            if let Some(error) = output.errors().first() {
                // A key S3 did not delete (throttled, or denied): the next run lists it again.
                let code = error.code().unwrap_or("DeleteObjectsError");
                return Err(ForgetError::S3(AwsFailure::from_code("DeleteObjects", code)));
            }
            done.deleted += count;
            tokio::time::sleep(self.pace).await;
        }
    }
}
