//! What every command gets: the resolved settings and the output switches.

use std::path::PathBuf;

use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;

use directory::IdentityDirectory;

use crate::error::CliError;
use crate::stack_config::StackConfig;
use crate::token_cache::TokenCache;

/// What every command gets: the resolved settings and the output switches.
#[derive(Debug, Clone)]
pub struct Context {
    /// Pools, client, API URL, region and the SDK configuration.
    pub config: StackConfig,
    /// `--token-cache`, when given.
    pub token_cache_dir: Option<PathBuf>,
    /// `--show-tokens`.
    pub show_tokens: bool,
    /// `--json`.
    pub json: bool,
}

impl Context {
    /// The token cache folder (located, not created).
    pub fn token_cache(&self) -> Result<TokenCache, CliError> {
        TokenCache::locate(self.token_cache_dir.as_deref())
    }

    /// A user pool client.
    pub fn idp(&self) -> Result<idp::Client, CliError> {
        Ok(idp::Client::new(self.config.sdk()?))
    }

    /// The identity directory (`--directory-table` or the stack's `DirectoryTableName`).
    pub fn directory(&self) -> Result<IdentityDirectory, CliError> {
        let table = self.config.directory_table()?;
        Ok(IdentityDirectory::new(aws_sdk_dynamodb::Client::new(self.config.sdk()?), table))
    }

    /// An identity pool client.
    pub fn identity(&self) -> Result<identity::Client, CliError> {
        Ok(identity::Client::new(self.config.sdk()?))
    }
}
