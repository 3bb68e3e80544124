//! The token cache: one JSON file per user pool and app client, so commands
//! after `login` find the tokens without asking for the password again.
//!
//! Files are created with mode 0600 in a 0700 folder and replaced atomically
//! (write a temporary file, then rename), so a reader never sees half a file
//! and the tokens are never readable by other users, not even for a moment.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::settings::Setting;

/// What a sign-in leaves behind for the next commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedTokens {
    /// The user pool the tokens belong to.
    pub user_pool_id: String,
    /// The app client they were issued to.
    pub client_id: String,
    /// Who signed in.
    pub username: String,
    /// The id token (what GetId, /link and the API take).
    pub id_token: String,
    /// The access token.
    pub access_token: String,
    /// The refresh token; a refresh answer carries none, so it is kept from the sign-in.
    pub refresh_token: Option<String>,
    /// When the id token expires, seconds since the epoch.
    pub expires_at: u64,
}

/// The cache folder.
#[derive(Debug, Clone)]
pub struct TokenCache {
    dir: PathBuf,
}

impl TokenCache {
    /// The folder from `--token-cache`, else `$XDG_CACHE_HOME/cognito-bridge`, else `~/.cache/cognito-bridge`.
    pub fn locate(explicit: Option<&Path>) -> Result<Self, CliError> {
        let env_dir = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let dir = match explicit {
            Some(dir) => dir.to_path_buf(),
            None => env_dir("XDG_CACHE_HOME")
                .map(|cache| cache.join("cognito-bridge"))
                .or_else(|| env_dir("HOME").map(|home| home.join(".cache").join("cognito-bridge")))
                .ok_or(CliError::MissingSetting { setting: Setting::TokenCache })?,
        };
        Ok(TokenCache { dir })
    }

    /// The file of one user pool + app client: `tokens-<pool>-<client>.json`.
    pub fn path_for(&self, user_pool_id: &str, client_id: &str) -> PathBuf {
        self.dir.join(format!("tokens-{}-{}.json", file_safe(user_pool_id), file_safe(client_id)))
    }

    /// The cached tokens; [`CliError::NotSignedIn`] when there are none,
    /// [`CliError::CacheUnusable`] when the file cannot be read as tokens of this pool and client.
    pub fn load(&self, user_pool_id: &str, client_id: &str) -> Result<CachedTokens, CliError> {
        let path = self.path_for(user_pool_id, client_id);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(CliError::NotSignedIn { pool: user_pool_id.to_owned(), client: client_id.to_owned() });
            }
            Err(err) => return Err(CliError::CacheUnusable { path, cause: err.to_string() }),
        };
        let tokens: CachedTokens = serde_json::from_slice(&bytes).map_err(|err| CliError::CacheUnusable {
            path: path.clone(),
            cause: format!("not a token cache file: {err}"),
        })?;
        if tokens.user_pool_id != user_pool_id || tokens.client_id != client_id {
            return Err(CliError::CacheUnusable {
                path,
                cause: "it belongs to another user pool or app client".into(),
            });
        }
        Ok(tokens)
    }

    /// Writes `tokens` atomically with mode 0600; returns the file's path.
    pub fn save(&self, tokens: &CachedTokens) -> Result<PathBuf, CliError> {
        let path = self.path_for(&tokens.user_pool_id, &tokens.client_id);
        let not_writable = |path: &Path, err: std::io::Error| CliError::CacheNotWritable {
            path: path.to_path_buf(),
            cause: err.to_string(),
        };
        create_private_dir(&self.dir).map_err(|e| not_writable(&self.dir, e))?;
        let body = serde_json::to_vec_pretty(tokens).map_err(|e| not_writable(&path, std::io::Error::other(e)))?;
        let temporary = self.dir.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("tokens"),
            std::process::id()
        ));
        let written = write_private_file(&temporary, &body).and_then(|()| fs::rename(&temporary, &path));
        if let Err(err) = written {
            let _ = fs::remove_file(&temporary);
            return Err(not_writable(&path, err));
        }
        Ok(path)
    }

    /// Deletes the file of this pool and client; `false` when there was none.
    pub fn remove(&self, user_pool_id: &str, client_id: &str) -> Result<bool, CliError> {
        let path = self.path_for(user_pool_id, client_id);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(CliError::CacheNotWritable { path, cause: err.to_string() }),
        }
    }
}

/// Ids are `[A-Za-z0-9_-]`; anything else becomes `_` so an id can never leave the folder.
fn file_safe(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Creates `path` (which must not exist) readable and writable by its owner only, and fills it.
fn write_private_file(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = fs::remove_file(path); // a leftover of a crashed run with the same pid
    let mut file = options.open(path)?;
    file.write_all(body)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cognito-bridge-cache-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn tokens() -> CachedTokens {
        CachedTokens {
            user_pool_id: "us-east-1_Abc".into(),
            client_id: "client1".into(),
            username: "alice".into(),
            id_token: "a.b.c".into(),
            access_token: "d.e.f".into(),
            refresh_token: Some("r".into()),
            expires_at: 1,
        }
    }

    #[test]
    fn saves_private_files_atomically_and_loads_them_back() {
        let dir = scratch_dir("roundtrip");
        let cache = TokenCache::locate(Some(&dir.join("nested"))).unwrap();
        let path = cache.save(&tokens()).unwrap();
        assert_eq!(path.file_name().unwrap(), "tokens-us-east-1_Abc-client1.json");
        assert_eq!(cache.load("us-east-1_Abc", "client1").unwrap(), tokens());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(fs::metadata(dir.join("nested")).unwrap().permissions().mode() & 0o777, 0o700);
        }
        let mut newer = tokens();
        newer.id_token = "x.y.z".into();
        cache.save(&newer).unwrap();
        assert_eq!(cache.load("us-east-1_Abc", "client1").unwrap().id_token, "x.y.z");
        let leftovers: Vec<_> = fs::read_dir(dir.join("nested")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
        assert!(cache.remove("us-east-1_Abc", "client1").unwrap());
        assert!(!cache.remove("us-east-1_Abc", "client1").unwrap());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_or_foreign_file_is_a_session_error() {
        let dir = scratch_dir("errors");
        let cache = TokenCache::locate(Some(&dir)).unwrap();
        assert!(matches!(cache.load("us-east-1_Abc", "client1"), Err(CliError::NotSignedIn { .. })));
        cache.save(&tokens()).unwrap();
        fs::rename(cache.path_for("us-east-1_Abc", "client1"), cache.path_for("us-east-1_Other", "client1")).unwrap();
        assert!(matches!(cache.load("us-east-1_Other", "client1"), Err(CliError::CacheUnusable { .. })));
        fs::write(cache.path_for("us-east-1_Abc", "client1"), "{not json").unwrap();
        assert!(matches!(cache.load("us-east-1_Abc", "client1"), Err(CliError::CacheUnusable { .. })));
        assert_eq!(file_safe("../x/y"), "___x_y");
        fs::remove_dir_all(&dir).unwrap();
    }
}
