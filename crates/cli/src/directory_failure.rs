//! Turning a failed directory call into what the CLI reports, with what to do.

use directory::DirectoryError;

use crate::error::CliError;
use crate::settings::Setting;

/// The CLI error for `err` from the directory table `table` during `action`: an outage is
/// exit 4 (unreachable), everything else exit 1 with a hint.
pub fn directory_error(err: DirectoryError, action: &'static str, table: &str) -> CliError {
    let hint = match &err {
        DirectoryError::Failed { code } if code == "ResourceNotFoundException" => Some(format!(
            "no table {table}: check {} or the stack's DirectoryTableName output",
            Setting::DirectoryTable.names()
        )),
        DirectoryError::Failed { code } if code.contains("AccessDenied") || code == "UnrecognizedClientException" => {
            Some(format!(
                "{action} needs admin IAM credentials allowed to call dynamodb:GetItem (and, for backfill, dynamodb:PutItem and dynamodb:ConditionCheckItem) on {table}"
            ))
        }
        DirectoryError::Throttled { .. } => Some("the directory is throttled: wait and retry".into()),
        DirectoryError::Corrupt { .. } => {
            Some("the item does not have the directory's schema: see README, the identity directory".into())
        }
        _ => None,
    };
    match err {
        DirectoryError::Unavailable { code } => CliError::Unreachable {
            action,
            target: format!("the directory table {table}"),
            cause: code,
            check: format!("AWS_ENDPOINT_URL / {}", Setting::Region.flag()),
        },
        other => CliError::Aws { action, cause: other.to_string(), hint },
    }
}
