//! The forget engine, shared by the Lambda and the CLI: the user's identities deleted,
//! then their folders erased, then (only then) their directory items replaced by a
//! tombstone in one transaction. Each step can run again: a failure anywhere leaves the
//! user to be forgotten by the next run, which continues where this one stopped.

use std::time::Duration;

use directory::{ForgetOutcome, ForgetPlan, IdentityDirectory, UserPoolId};

use crate::error::ForgetError;
use crate::folder_action::FolderAction;
use crate::folder_erasure::{FolderDone, FolderEraser};
use crate::identity_deletion::delete_identities;

/// What one forget did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgot {
    /// Everything was erased and the tombstone written.
    Forgotten(ForgetReport),
    /// Only the tombstone was there: forgotten before.
    AlreadyForgotten,
    /// The directory knows no such user: nothing was written anywhere.
    NotFound,
}

/// The counts of a forget that ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ForgetReport {
    /// IdentityIds deleted from the identity pool (and folders erased).
    pub identities: usize,
    /// `DeleteIdentities` calls made.
    pub delete_identities_calls: u32,
    /// The folders' work.
    pub folder: FolderDone,
    /// Directory items deleted.
    pub items_deleted: usize,
}

/// Forgets users. Build it once per process.
#[derive(Debug, Clone)]
pub struct Forgetter {
    /// Cognito identity pools.
    pub cognito: aws_sdk_cognitoidentity::Client,
    /// The private bucket.
    pub s3: aws_sdk_s3::Client,
    /// Its name.
    pub bucket: String,
    /// The identity directory.
    pub directory: IdentityDirectory,
    /// `ForgetObjects`.
    pub action: FolderAction,
    /// The pause between pages and between `DeleteIdentities` retries.
    pub pace: Duration,
    /// Keys per listing page (1,000, S3's maximum, unless a test says otherwise).
    pub page_size: i32,
}

impl Forgetter {
    /// What forgetting the user would do now. Writes nothing.
    pub async fn plan(&self, user_pool_id: &UserPoolId, sub: &str) -> Result<ForgetPlan, ForgetError> {
        Ok(self.directory.plan_forget(user_pool_id, sub).await?)
    }

    /// Forgets the user `sub` of `user_pool_id`.
    pub async fn forget(&self, user_pool_id: &UserPoolId, sub: &str, now: u64) -> Result<Forgot, ForgetError> {
        let targets = match self.plan(user_pool_id, sub).await? {
            ForgetPlan::NotFound => return Ok(Forgot::NotFound),
            ForgetPlan::AlreadyForgotten => return Ok(Forgot::AlreadyForgotten),
            ForgetPlan::Forget(targets) => targets,
        };
        let delete_identities_calls = delete_identities(&self.cognito, &targets.identity_ids, self.pace).await?;
        let resume = self.directory.forget_progress(user_pool_id, sub).await?;
        let eraser = FolderEraser {
            s3: &self.s3,
            bucket: &self.bucket,
            directory: &self.directory,
            pace: self.pace,
            page_size: self.page_size,
        };
        let mut folder = FolderDone::default();
        for identity_id in &targets.identity_ids {
            let done = eraser.erase(self.action, (user_pool_id, sub), identity_id, resume.as_ref()).await?;
            folder.untagged += done.untagged;
            folder.deleted += done.deleted;
        }
        let report =
            ForgetReport { identities: targets.identity_ids.len(), delete_identities_calls, folder, items_deleted: 0 };
        match self.directory.forget(&targets, now).await? {
            ForgetOutcome::Forgotten { items_deleted } => {
                Ok(Forgot::Forgotten(ForgetReport { items_deleted, ..report }))
            }
            ForgetOutcome::AlreadyForgotten => Ok(Forgot::AlreadyForgotten),
            ForgetOutcome::NotFound => Ok(Forgot::NotFound),
        }
    }

    /// Forgets `sub` in the first of `pools` whose directory knows them (a `DeleteUser`
    /// record may not name its pool): [`Forgot::NotFound`] when none does.
    pub async fn forget_in_any(&self, pools: &[UserPoolId], sub: &str, now: u64) -> Result<Forgot, ForgetError> {
        if pools.is_empty() {
            return Err(ForgetError::NoUserPool);
        }
        let mut answer = Forgot::NotFound;
        for pool in pools {
            match self.forget(pool, sub, now).await? {
                Forgot::NotFound => {}
                Forgot::AlreadyForgotten => answer = Forgot::AlreadyForgotten,
                forgotten @ Forgot::Forgotten(_) => return Ok(forgotten),
            }
        }
        Ok(answer)
    }
}
