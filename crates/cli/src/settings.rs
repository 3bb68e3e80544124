//! The settings table: every flag and environment variable the CLI reads, named once.
//!
//! clap builds its arguments from this table (`cli_args`), and error messages name
//! the same flag and variable from it (`error`), so the two cannot drift apart; a
//! test checks that `--help` shows each pair as written here.

/// A setting the CLI reads, with every name it goes by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The CloudFormation stack whose Outputs fill the other settings.
    Stack,
    /// The AWS region.
    Region,
    /// The user pool id.
    UserPoolId,
    /// The user pool's app client id.
    ClientId,
    /// The identity pool id.
    IdentityPoolId,
    /// The API base URL.
    ApiUrl,
    /// The identity directory's DynamoDB table.
    DirectoryTable,
    /// The bucket whose `private/<IdentityId>/` folders `upload` and `ls` use.
    Bucket,
    /// The object-owner function's queue, where `sweep` (and `adopt --apply`) start a sweep.
    QueueUrl,
    /// The object-events queue's dead-letter queue, which `dlq` lists and redrives.
    DlqUrl,
    /// The forget function's queue, where `reconcile` sends the users it found deleted.
    ForgetQueueUrl,
    /// The stack's Pre Token Generation function, which `adopt` attaches to a pool without one.
    PreTokenFunctionArn,
    /// The token cache folder.
    TokenCache,
    /// The user a command signs up, confirms or signs in.
    Username,
    /// The sign-in flow of `login`.
    AuthFlow,
    /// The stack's folder layout (`identity-id`, `sub` or `both`): where `upload` and
    /// `ls` put and find the user's files.
    FolderLayout,
}

/// The environment variable the password is read from (it has no flag: a flag value
/// would land in shell history).
pub const PASSWORD_ENV: &str = "COGNITO_BRIDGE_PASSWORD";

impl Setting {
    /// Every setting, for tests that check the table against clap.
    pub const ALL: [Setting; 16] = [
        Setting::Stack,
        Setting::Region,
        Setting::UserPoolId,
        Setting::ClientId,
        Setting::IdentityPoolId,
        Setting::ApiUrl,
        Setting::DirectoryTable,
        Setting::Bucket,
        Setting::QueueUrl,
        Setting::DlqUrl,
        Setting::ForgetQueueUrl,
        Setting::PreTokenFunctionArn,
        Setting::TokenCache,
        Setting::Username,
        Setting::AuthFlow,
        Setting::FolderLayout,
    ];

    /// The long flag without its dashes, as clap's `long` takes it.
    pub const fn long(self) -> &'static str {
        match self {
            Setting::Stack => "stack",
            Setting::Region => "region",
            Setting::UserPoolId => "user-pool-id",
            Setting::ClientId => "client-id",
            Setting::IdentityPoolId => "identity-pool-id",
            Setting::ApiUrl => "api-url",
            Setting::DirectoryTable => "directory-table",
            Setting::Bucket => "bucket",
            Setting::QueueUrl => "queue-url",
            Setting::DlqUrl => "dlq-url",
            Setting::ForgetQueueUrl => "forget-queue-url",
            Setting::PreTokenFunctionArn => "pre-token-function-arn",
            Setting::TokenCache => "token-cache",
            Setting::Username => "username",
            Setting::AuthFlow => "flow",
            Setting::FolderLayout => "folder-layout",
        }
    }

    /// The environment variable.
    pub const fn env_var(self) -> &'static str {
        match self {
            Setting::Stack => "COGNITO_BRIDGE_STACK",
            Setting::Region => "AWS_REGION",
            Setting::UserPoolId => "COGNITO_BRIDGE_USER_POOL_ID",
            Setting::ClientId => "COGNITO_BRIDGE_CLIENT_ID",
            Setting::IdentityPoolId => "COGNITO_BRIDGE_IDENTITY_POOL_ID",
            Setting::ApiUrl => "COGNITO_BRIDGE_API_URL",
            Setting::DirectoryTable => "COGNITO_BRIDGE_DIRECTORY_TABLE",
            Setting::Bucket => "COGNITO_BRIDGE_BUCKET",
            Setting::QueueUrl => "COGNITO_BRIDGE_QUEUE_URL",
            Setting::DlqUrl => "COGNITO_BRIDGE_DLQ_URL",
            Setting::ForgetQueueUrl => "COGNITO_BRIDGE_FORGET_QUEUE_URL",
            Setting::PreTokenFunctionArn => "COGNITO_BRIDGE_PRE_TOKEN_FUNCTION_ARN",
            Setting::TokenCache => "COGNITO_BRIDGE_TOKEN_CACHE",
            Setting::Username => "COGNITO_BRIDGE_USERNAME",
            Setting::AuthFlow => "COGNITO_BRIDGE_AUTH_FLOW",
            Setting::FolderLayout => "COGNITO_BRIDGE_FOLDER_LAYOUT",
        }
    }

    /// The command-line flag, e.g. `--client-id`.
    pub fn flag(self) -> String {
        format!("--{}", self.long())
    }

    /// Both names, for "check …" hints: `--client-id (COGNITO_BRIDGE_CLIENT_ID)`.
    pub fn names(self) -> String {
        format!("{} ({})", self.flag(), self.env_var())
    }

    /// What it is, for messages.
    pub fn description(self) -> &'static str {
        match self {
            Setting::Stack => "the stack name",
            Setting::Region => "the AWS region",
            Setting::UserPoolId => "the user pool id",
            Setting::ClientId => "the app client id",
            Setting::IdentityPoolId => "the identity pool id",
            Setting::ApiUrl => "the API URL",
            Setting::DirectoryTable => "the directory table",
            Setting::Bucket => "the bucket",
            Setting::QueueUrl => "the object-events queue",
            Setting::DlqUrl => "the object-events dead-letter queue",
            Setting::ForgetQueueUrl => "the forget queue",
            Setting::PreTokenFunctionArn => "the Pre Token Generation function",
            Setting::TokenCache => "the token cache folder (neither XDG_CACHE_HOME nor HOME is set)",
            Setting::Username => "the username",
            Setting::AuthFlow => "the sign-in flow",
            Setting::FolderLayout => "the folder layout",
        }
    }

    /// The stack output that provides it (`template.yaml`'s Outputs), if a stack can.
    pub fn stack_output(self) -> Option<&'static str> {
        match self {
            Setting::Region => Some("Region"),
            Setting::UserPoolId => Some("UserPoolId"),
            Setting::ClientId => Some("UserPoolClientId"),
            Setting::IdentityPoolId => Some("IdentityPoolId"),
            Setting::ApiUrl => Some("ApiUrl"),
            Setting::DirectoryTable => Some("DirectoryTableName"),
            Setting::Bucket => Some("BucketName"),
            Setting::QueueUrl => Some("ObjectEventsQueueUrl"),
            Setting::DlqUrl => Some("ObjectEventsDeadLetterQueueUrl"),
            Setting::ForgetQueueUrl => Some("ForgetQueueUrl"),
            Setting::PreTokenFunctionArn => Some("PreTokenFunctionArn"),
            Setting::FolderLayout => Some("FolderLayout"),
            Setting::Stack | Setting::TokenCache | Setting::Username | Setting::AuthFlow => None,
        }
    }

    /// The end of a "missing" message: a stack can provide some settings.
    pub fn stack_hint(self) -> &'static str {
        match self.stack_output() {
            Some(_) => " (or name a stack with --stack)",
            None => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, a) in Setting::ALL.iter().enumerate() {
            for b in &Setting::ALL[i + 1..] {
                assert_ne!(a.long(), b.long());
                assert_ne!(a.env_var(), b.env_var());
            }
        }
        assert_eq!(Setting::ClientId.names(), "--client-id (COGNITO_BRIDGE_CLIENT_ID)");
    }
}
