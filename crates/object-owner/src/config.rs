//! The function's configuration, read once at start-up from the environment.

use lambda_foundation::ConfigError;
use lambda_foundation::env_config::{optional, required};

use directory::UserPoolId;

use crate::forgotten_folder::FolderAction;
use crate::sub_folder::FolderLayout;

/// Tagging calls one folder-job page keeps in flight when `FOLDER_JOB_TAGGING_CONCURRENCY`
/// is not set.
pub const DEFAULT_TAGGING_CONCURRENCY: usize = 16;
/// The most `FOLDER_JOB_TAGGING_CONCURRENCY` accepts (S3 takes 3,500 writes/s per prefix;
/// the cap keeps one page from crowding out the live pipeline's tagging).
pub const MAX_TAGGING_CONCURRENCY: usize = 64;

/// Keys a folder-job page lists when `FOLDER_JOB_PAGE_SIZE` is not set: `ListObjectsV2`'s
/// maximum.
pub const DEFAULT_PAGE_SIZE: i32 = 1000;

/// What object-owner needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectOwnerConfig {
    /// `DIRECTORY_TABLE`: the identity directory's table name.
    pub directory_table: String,
    /// `BUCKET_NAME`: the private bucket whose folders attribution jobs list (a stream
    /// record names an IdentityId, not a bucket).
    pub bucket_name: String,
    /// `OBJECT_EVENTS_QUEUE_URL`: this function's own queue, where a folder job's next
    /// page is sent.
    pub object_events_queue_url: String,
    /// `FOLDER_JOB_TAGGING_CONCURRENCY`: tagging calls in flight per page (default 16,
    /// 1 to 64).
    pub tagging_concurrency: usize,
    /// `FOLDER_JOB_PAGE_SIZE`: keys listed per folder-job page (default 1,000, the most
    /// `ListObjectsV2` returns; smaller pages finish sooner within the function's timeout).
    pub page_size: i32,
    /// `FOLDER_LAYOUT`: `identity-id` (default), `sub` or `both`, the stack's
    /// `FolderLayout`: whether `users/<sub>/` keys name their owner.
    pub folder_layout: FolderLayout,
    /// `SUB_FOLDER_OWNER_USERNAME=on` (default `off`): `users/<sub>/` objects also get
    /// `owner-username`, from the user items of `USER_POOL_ID` (then required), at one
    /// directory read per folder and batch. `None` when off: no read at all.
    pub sub_folder_usernames: Option<UserPoolId>,
    /// `FORGET_OBJECTS`: `keep` (default) or `delete`, the stack's `ForgetObjects`, as the
    /// forget function reads it: whether a late event of a forgotten folder deletes its
    /// new object.
    pub forgotten_objects: FolderAction,
}

impl ObjectOwnerConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|var| std::env::var(var).ok())
    }

    /// Reads through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        const CONCURRENCY: &str = "FOLDER_JOB_TAGGING_CONCURRENCY";
        let tagging_concurrency = match optional(lookup, CONCURRENCY) {
            None => DEFAULT_TAGGING_CONCURRENCY,
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=MAX_TAGGING_CONCURRENCY).contains(&n) => n,
                _ => {
                    return Err(ConfigError::Invalid {
                        var: CONCURRENCY,
                        reason: format!("expected a whole number from 1 to {MAX_TAGGING_CONCURRENCY}"),
                    });
                }
            },
        };
        const PAGE_SIZE: &str = "FOLDER_JOB_PAGE_SIZE";
        let page_size = match optional(lookup, PAGE_SIZE) {
            None => DEFAULT_PAGE_SIZE,
            Some(text) => match text.parse::<i32>() {
                Ok(n) if (1..=DEFAULT_PAGE_SIZE).contains(&n) => n,
                _ => {
                    return Err(ConfigError::Invalid {
                        var: PAGE_SIZE,
                        reason: format!("expected a whole number from 1 to {DEFAULT_PAGE_SIZE}"),
                    });
                }
            },
        };
        const LAYOUT: &str = "FOLDER_LAYOUT";
        let folder_layout = match optional(lookup, LAYOUT) {
            None => FolderLayout::default(),
            Some(text) => FolderLayout::parse(&text).ok_or_else(|| ConfigError::Invalid {
                var: LAYOUT,
                reason: "expected identity-id, sub or both".to_owned(),
            })?,
        };
        const USERNAMES: &str = "SUB_FOLDER_OWNER_USERNAME";
        let sub_folder_usernames = match optional(lookup, USERNAMES).as_deref() {
            None | Some("off") => None,
            Some("on") => {
                let pool = required(lookup, "USER_POOL_ID")?;
                Some(UserPoolId::parse(&pool).map_err(|_| ConfigError::Invalid {
                    var: "USER_POOL_ID",
                    reason: "expected a user pool id such as us-east-1_AbCdEf123".to_owned(),
                })?)
            }
            Some(_) => {
                return Err(ConfigError::Invalid { var: USERNAMES, reason: "expected on or off".to_owned() });
            }
        };
        const FORGET_OBJECTS: &str = "FORGET_OBJECTS";
        let forgotten_objects = match optional(lookup, FORGET_OBJECTS) {
            None => FolderAction::default(),
            Some(text) => FolderAction::parse(&text).ok_or_else(|| ConfigError::Invalid {
                var: FORGET_OBJECTS,
                reason: "expected keep or delete".to_owned(),
            })?,
        };
        Ok(ObjectOwnerConfig {
            page_size,
            folder_layout,
            sub_folder_usernames,
            forgotten_objects,
            directory_table: required(lookup, "DIRECTORY_TABLE")?,
            bucket_name: required(lookup, "BUCKET_NAME")?,
            object_events_queue_url: required(lookup, "OBJECT_EVENTS_QUEUE_URL")?,
            tagging_concurrency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |var| vars.get(var).cloned()
    }

    const ALL: [(&str, &str); 3] =
        [("DIRECTORY_TABLE", " table-1 "), ("BUCKET_NAME", "b-1"), ("OBJECT_EVENTS_QUEUE_URL", "http://q")];

    #[test]
    fn table_bucket_and_queue_are_required() {
        let missing = ObjectOwnerConfig::from_lookup(&|_| None).unwrap_err();
        assert_eq!(missing.to_string(), "configuration error: DIRECTORY_TABLE is not set");
        let no_queue = ObjectOwnerConfig::from_lookup(&lookup(&ALL[..2])).unwrap_err();
        assert_eq!(no_queue.to_string(), "configuration error: OBJECT_EVENTS_QUEUE_URL is not set");
        let config = ObjectOwnerConfig::from_lookup(&lookup(&ALL)).unwrap();
        assert_eq!(config.directory_table, "table-1");
        assert_eq!(config.tagging_concurrency, DEFAULT_TAGGING_CONCURRENCY);
    }

    #[test]
    fn the_folder_layout_defaults_to_identity_id() {
        let with = |value: &str| {
            let mut vars = ALL.to_vec();
            vars.push(("FOLDER_LAYOUT", value));
            ObjectOwnerConfig::from_lookup(&lookup(&vars))
        };
        assert_eq!(ObjectOwnerConfig::from_lookup(&lookup(&ALL)).unwrap().folder_layout, FolderLayout::IdentityId);
        assert_eq!(with("sub").unwrap().folder_layout, FolderLayout::Sub);
        assert_eq!(with("both").unwrap().folder_layout, FolderLayout::Both);
        assert!(with("users").unwrap_err().to_string().contains("FOLDER_LAYOUT"));
    }

    #[test]
    fn the_sub_folder_username_tag_is_off_unless_on_with_a_pool() {
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars = ALL.to_vec();
            vars.extend_from_slice(extra);
            ObjectOwnerConfig::from_lookup(&lookup(&vars))
        };
        assert_eq!(with(&[]).unwrap().sub_folder_usernames, None);
        assert_eq!(with(&[("SUB_FOLDER_OWNER_USERNAME", "off")]).unwrap().sub_folder_usernames, None);
        let on = with(&[("SUB_FOLDER_OWNER_USERNAME", "on"), ("USER_POOL_ID", "us-east-1_AbCdEf123")]).unwrap();
        assert_eq!(
            on.sub_folder_usernames.map(|pool| pool.as_str().to_owned()).as_deref(),
            Some("us-east-1_AbCdEf123")
        );
        let no_pool = with(&[("SUB_FOLDER_OWNER_USERNAME", "on")]).unwrap_err().to_string();
        assert!(no_pool.contains("USER_POOL_ID is not set"), "{no_pool}");
        let bad_pool = with(&[("SUB_FOLDER_OWNER_USERNAME", "on"), ("USER_POOL_ID", "pool")]).unwrap_err();
        assert!(bad_pool.to_string().contains("USER_POOL_ID"), "{bad_pool}");
        let bad = with(&[("SUB_FOLDER_OWNER_USERNAME", "yes")]).unwrap_err().to_string();
        assert!(bad.contains("SUB_FOLDER_OWNER_USERNAME") && bad.contains("on or off"), "{bad}");
    }

    #[test]
    fn forgotten_objects_are_kept_unless_the_setting_says_delete() {
        let with = |value: &str| {
            let mut vars = ALL.to_vec();
            vars.push(("FORGET_OBJECTS", value));
            ObjectOwnerConfig::from_lookup(&lookup(&vars))
        };
        assert_eq!(ObjectOwnerConfig::from_lookup(&lookup(&ALL)).unwrap().forgotten_objects, FolderAction::Keep);
        assert_eq!(with("keep").unwrap().forgotten_objects, FolderAction::Keep);
        assert_eq!(with("delete").unwrap().forgotten_objects, FolderAction::Delete);
        for refused in ["shred", "Delete", "true"] {
            let error = with(refused).unwrap_err().to_string();
            assert!(error.contains("FORGET_OBJECTS") && error.contains("keep or delete"), "{refused}: {error}");
        }
    }

    #[test]
    fn tagging_concurrency_is_bounded() {
        let with = |value: &str| {
            let mut vars = ALL.to_vec();
            vars.push(("FOLDER_JOB_TAGGING_CONCURRENCY", value));
            ObjectOwnerConfig::from_lookup(&lookup(&vars))
        };
        assert_eq!(with("4").unwrap().tagging_concurrency, 4);
        assert_eq!(with("4").unwrap().page_size, DEFAULT_PAGE_SIZE);
        for refused in ["0", "65", "many"] {
            assert!(with(refused).unwrap_err().to_string().contains("FOLDER_JOB_TAGGING_CONCURRENCY"), "{refused}");
        }
    }
}
