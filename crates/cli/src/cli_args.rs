//! The command line: global settings, output switches and one subcommand each
//! with its own `--help`; and where a password comes from (stdin or the environment).

use std::io::BufRead;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{CliError, EXIT_CODES_HELP};
use crate::settings::{PASSWORD_ENV, Setting};
use crate::whois_query::WhoisBy;

/// `cognito-bridge`: sign in to a Cognito user pool, get identity pool
/// credentials, link the two ids and look users up by either.
#[derive(Debug, Parser)]
#[command(
    name = "cognito-bridge",
    version,
    about = "Sign in to a Cognito user pool, get identity pool credentials, call /link and look users up by either id",
    long_about = "Sign in to a Cognito user pool, get identity pool credentials, call /link and look users up by either id.\n\n\
Settings come from flags, their environment variables, or a CloudFormation stack's Outputs (--stack): \
flags and environment variables override stack outputs. The AWS SDK's own AWS_ENDPOINT_URL points every \
AWS call at another endpoint (e.g. a local emulator). Signing up, signing in and getting credentials need \
no AWS credentials; 'confirm --admin' and 'whois' call admin APIs and use the default AWS credential chain.\n\n\
Tokens are cached per user pool and app client in the token cache folder (files created with mode 0600) \
and are never printed unless asked (--show-tokens, 'token').",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    /// Which stack, pools, client and API the command talks to.
    #[command(flatten)]
    pub target: TargetArgs,
    /// How results are printed and where tokens are kept.
    #[command(flatten)]
    pub output: OutputArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Where the CLI points: a stack, or the ids and URL one by one.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Target")]
pub struct TargetArgs {
    /// Read ApiUrl, UserPoolId, UserPoolClientId, IdentityPoolId, DirectoryTableName, BucketName and Region from this CloudFormation
    /// stack's Outputs (DescribeStacks: needs IAM credentials)
    #[arg(long = Setting::Stack.long(), global = true, env = Setting::Stack.env_var(), value_name = "NAME")]
    pub stack: Option<String>,
    /// AWS region (default: the stack's Region output, else the user pool id's prefix)
    #[arg(long = Setting::Region.long(), global = true, env = Setting::Region.env_var(), value_name = "REGION")]
    pub region: Option<String>,
    /// User pool id, e.g. us-east-1_AbCdEf123
    #[arg(long = Setting::UserPoolId.long(), global = true, env = Setting::UserPoolId.env_var(), value_name = "ID")]
    pub user_pool_id: Option<String>,
    /// App client id of the user pool
    #[arg(long = Setting::ClientId.long(), global = true, env = Setting::ClientId.env_var(), value_name = "ID")]
    pub client_id: Option<String>,
    /// Identity pool id, e.g. us-east-1:1f0c1a2b-…
    #[arg(long = Setting::IdentityPoolId.long(), global = true, env = Setting::IdentityPoolId.env_var(), value_name = "ID")]
    pub identity_pool_id: Option<String>,
    /// Base URL of the API (link, whoami), stage included, e.g. https://abc.execute-api.us-east-1.amazonaws.com/Prod
    #[arg(long = Setting::ApiUrl.long(), global = true, env = Setting::ApiUrl.env_var(), value_name = "URL")]
    pub api_url: Option<String>,
    /// DynamoDB table of the identity directory (whois, backfill)
    #[arg(long = Setting::DirectoryTable.long(), global = true, env = Setting::DirectoryTable.env_var(), value_name = "TABLE")]
    pub directory_table: Option<String>,
    /// S3 bucket of the private folders (upload, ls); whois s3://… names its own bucket
    #[arg(long = Setting::Bucket.long(), global = true, env = Setting::Bucket.env_var(), value_name = "BUCKET")]
    pub bucket: Option<String>,
    /// SQS queue URL of the object-owner function (sweep, adopt --apply)
    #[arg(long = Setting::QueueUrl.long(), global = true, env = Setting::QueueUrl.env_var(), value_name = "URL")]
    pub queue_url: Option<String>,
    /// SQS queue URL of the object-events dead-letter queue (dlq)
    #[arg(long = Setting::DlqUrl.long(), global = true, env = Setting::DlqUrl.env_var(), value_name = "URL")]
    pub dlq_url: Option<String>,
    /// SQS queue URL of the forget function's queue (reconcile sends the users it found deleted there)
    #[arg(long = Setting::ForgetQueueUrl.long(), global = true, env = Setting::ForgetQueueUrl.env_var(), value_name = "URL")]
    pub forget_queue_url: Option<String>,
    /// The stack's Pre Token Generation function (adopt attaches it to a pool with no such trigger, never in place of one)
    #[arg(long = Setting::PreTokenFunctionArn.long(), global = true, env = Setting::PreTokenFunctionArn.env_var(), value_name = "ARN")]
    pub pre_token_function_arn: Option<String>,
    /// The stack's folder layout: identity-id (private/<IdentityId>/, the default), sub (users/<sub>/) or both (upload, ls, adopt)
    #[arg(long = Setting::FolderLayout.long(), global = true, env = Setting::FolderLayout.env_var(), value_name = "LAYOUT")]
    pub folder_layout: Option<String>,
}

/// Output format and the token cache location.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Print one JSON document on stdout instead of text (errors stay one line on stderr)
    #[arg(long, global = true)]
    pub json: bool,
    /// Folder of the token cache, one file per user pool and app client
    /// [default: $XDG_CACHE_HOME/cognito-bridge, else ~/.cache/cognito-bridge]
    #[arg(long = Setting::TokenCache.long(), global = true, env = Setting::TokenCache.env_var(), value_name = "DIR")]
    pub token_cache: Option<PathBuf>,
    /// Also print the tokens (login, refresh, link); they are bearer credentials: keep them out of logs
    #[arg(long, global = true)]
    pub show_tokens: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Register a new user (SignUp); Cognito sends a confirmation code to the email
    #[command(after_help = EXIT_CODES_HELP)]
    Signup(SignupArgs),
    /// Confirm a signed-up user with the emailed code, or as an admin (AdminConfirmSignUp)
    #[command(after_help = EXIT_CODES_HELP)]
    Confirm(ConfirmArgs),
    /// Sign in and cache the id, access and refresh tokens
    #[command(after_help = EXIT_CODES_HELP)]
    Login(LoginArgs),
    /// Get new id and access tokens with the cached refresh token (REFRESH_TOKEN_AUTH)
    #[command(after_help = EXIT_CODES_HELP)]
    Refresh,
    /// Exchange the cached id token for AWS credentials (GetId + GetCredentialsForIdentity)
    #[command(
        long_about = "Exchange the cached id token for AWS credentials (GetId + GetCredentialsForIdentity) and print them.\n\n\
With --format process, for an AWS profile's credential_process (credential_process = cognito-bridge … credentials \
--format process), an expired id token is first renewed with the cached refresh token and the new tokens are cached, \
so the profile keeps working for as long as the refresh token is valid; Expiration is the credentials' own, so the \
SDK asks again before they lapse. A refresh token Cognito refuses (expired or revoked) ends in one line on stderr \
that says to log in again (exit 3). The other formats stop at an expired id token: run 'cognito-bridge refresh'.",
        after_help = EXIT_CODES_HELP
    )]
    Credentials(CredentialsArgs),
    /// POST /link signed with SigV4 (identity pool credentials), then refresh so the id token
    /// carries custom:identity_id
    #[command(
        long_about = "Link the signed-in user's IdentityId to their user pool record.\n\n\
Gets identity pool credentials with the cached id token (GetId + GetCredentialsForIdentity), sends \
POST <api-url>/link with {\"idToken\": …} signed with SigV4 (service execute-api, session token included), \
prints the answer (identityId, changed), then refreshes the tokens and shows that the new id token \
carries custom:identity_id.",
        after_help = EXIT_CODES_HELP
    )]
    Link,
    /// GET /whoami with the id token (or the access token) in Authorization, or /iam/whoami signed
    /// with SigV4; prints what the API sees of the caller
    #[command(
        long_about = "Call an authorizer-protected route of the API and print what its function sees of the caller: \
both ids, and the token's use, scopes, groups and user pool.\n\n\
Sends GET <api-url><route> with the cached id token in Authorization, or with --access-token the cached access \
token (only access tokens carry OAuth scopes). --route picks the route: /whoami (the default), /scoped/whoami \
(the authorizer requires an OAuth scope) or /admin/whoami (it requires the user pool group admins). When the \
authorizer refuses the token on that route, the API answers 403 and the command says so in one line (exit 1). \
With --iam it sends GET <api-url>/iam/whoami (or --route) signed with SigV4 under the identity pool credentials instead (IAM auth).",
        after_help = EXIT_CODES_HELP
    )]
    Whoami(WhoamiArgs),
    /// Look a user up by IdentityId (or an S3 key under private/<IdentityId>/), sub or username
    #[command(
        long_about = "Print the user pool user behind an IdentityId, an S3 object (s3://bucket/private/<IdentityId>/file \
or private/<IdentityId>/file), a sub or a username, and their IdentityId.\n\n\
Needs admin IAM credentials (default AWS credential chain) allowed to call the APIs below.\n\n\
Cost, by kind of id:\n  \
IdentityId   one DynamoDB GetItem on the directory (--directory-table or the stack's DirectoryTableName), \
then one AdminGetUser; no ListUsers\n  \
sub          the same: one GetItem, one AdminGetUser\n  \
username     one AdminGetUser call\n\n\
With --scan (stacks without a directory): a sub costs one ListUsers call with Filter sub = \"…\"; an IdentityId \
pages through ListUsers, one call per 60 users, since custom attributes cannot be filtered (a pool of 60 000 users: \
up to 1 000 calls). ListUsers counts against Cognito's UserList request-rate quota (30/s), shared by every user \
pool of the account in the region: do not script --scan in a loop.",
        after_help = EXIT_CODES_HELP
    )]
    Whois(WhoisArgs),
    /// Put FILE into the signed-in user's private folder (private/<IdentityId>/NAME) with their
    /// identity pool credentials
    #[command(
        long_about = "Put FILE into the signed-in user's private folder, s3://<bucket>/private/<IdentityId>/NAME.\n\n\
Gets identity pool credentials with the cached id token (GetId + GetCredentialsForIdentity) and sends one \
PutObject signed with them: the identity pool's authenticated role allows each user private/<their IdentityId>/* \
only. NAME defaults to FILE's file name. The bucket's object-owner function then tags the object with its \
owner (see whois s3://…) and counts it in the directory (see usage).",
        after_help = EXIT_CODES_HELP
    )]
    Upload(UploadArgs),
    /// List the signed-in user's own objects (ListObjectsV2 on private/<IdentityId>/)
    #[command(after_help = EXIT_CODES_HELP)]
    Ls,
    /// The object and byte counters of a user's private folder, from the identity directory
    #[command(
        long_about = "Print how many objects and bytes the object-owner function has counted for a user's private folder.\n\n\
The argument is a username, a sub or an IdentityId (as whois reads it). One GetItem on the directory for an IdentityId \
or a sub (AdminGetUser first for a username); an IdentityId the directory does not know shows its unattributed counters \
(objects under private/<IdentityId>/ that no linked user owns). Needs admin IAM credentials (default chain).",
        after_help = EXIT_CODES_HELP
    )]
    Usage(UsageArgs),
    /// Write directory entries for users who already have custom:identity_id (one paced ListUsers pass)
    #[command(
        long_about = "Write an identity directory entry for every user of the pool whose custom:identity_id is set, \
so that whois and the authorizer find them with one read.\n\n\
One pass over ListUsers (60 users a call), paced to --rate calls per second (default 5, well under the UserList \
quota of 30/s that the whole account shares), and one DynamoDB transaction per linked user. An entry already \
present is left as it is; an IdentityId or user the directory links differently is reported as a conflict and never \
overwritten. Progress goes to stderr when it is a terminal. Each page's token is printed with the progress, and \
a failed or --max-pages run prints the token to resume from with --page-token; re-running a page is harmless.\n\n\
Needs admin IAM credentials allowed to call cognito-idp:ListUsers, dynamodb:PutItem and \
dynamodb:ConditionCheckItem on the table.",
        after_help = EXIT_CODES_HELP
    )]
    Backfill(BackfillArgs),
    /// Count (and tag, where the owner is known) every object already under the bucket's private/ folders
    #[command(
        long_about = "Start a sweep of the bucket's private/ folders by the object-owner function, and show its progress.\n\n\
One message to the function's queue starts the run; the function lists 1,000 keys per message, tags the objects \
whose owner the directory knows, and counts every object once (an object the live pipeline has seen is left as it \
is; a rerun adds nothing). Objects of unknown owners are counted as unattributed. Progress is read from the \
directory's sweep#<bucket> item. Refused while another run is unfinished, unless --restart. Needs \
dynamodb:PutItem and dynamodb:GetItem on the table and sqs:SendMessage on the queue.",
        after_help = EXIT_CODES_HELP
    )]
    Sweep(SweepArgs),
    /// Print one cached token (for an HTTP client); it is a bearer credential
    #[command(after_help = EXIT_CODES_HELP)]
    Token(TokenArgs),
    /// Delete the cached tokens of this user pool and app client
    #[command(after_help = EXIT_CODES_HELP)]
    Logout,
    /// Plan (and with --apply make) the changes that bring an existing pool, its app clients and a bucket under the bridge
    #[command(long_about = ADOPT_HELP, after_help = EXIT_CODES_HELP)]
    Adopt(AdoptArgs),
    /// Plan (and with --apply make) the removal of a user's link: both directory items and custom:identity_id
    #[command(long_about = UNLINK_HELP, after_help = EXIT_CODES_HELP)]
    Unlink(UnlinkArgs),
    /// Plan (and with --apply make) an unlink whose next /link records the IdentityId Cognito gives the user now
    #[command(long_about = RELINK_HELP, after_help = EXIT_CODES_HELP)]
    Relink(UnlinkArgs),
    /// Forget a user everywhere: their identities, directory items and owner tags (or objects); asks first unless --yes
    #[command(long_about = FORGET_HELP, after_help = EXIT_CODES_HELP)]
    Forget(ForgetArgs),
    /// Check the directory's users against the pool (AdminGetUser) and send each one the pool no longer has to the forget queue
    #[command(long_about = RECONCILE_HELP, after_help = EXIT_CODES_HELP)]
    Reconcile(ReconcileArgs),
    /// Show the object events parked in the dead-letter queue (keys, receive count, why), or move them back with --redrive
    #[command(long_about = DLQ_HELP, after_help = EXIT_CODES_HELP)]
    Dlq(DlqArgs),
    /// Write the web app's config.json from the stack's outputs (DescribeStacks, or a saved answer)
    #[command(long_about = WEB_CONFIG_HELP, after_help = EXIT_CODES_HELP)]
    WebConfig(WebConfigArgs),
}

const RECONCILE_HELP: &str = "Run the reconciler here: the directory's users of the user pool (a Scan of its user# \
items) are checked one by one with AdminGetUser at --rate calls per second, and each user the pool no longer has is \
sent to the forget queue as {\"source\":\"cognito-bridge.reconciler\",\"detail-type\":\"Cognito user not found\",\
\"detail\":{\"userPoolId\",\"sub\"}} (SendMessageBatch, ten at a time). The pass continues from the position the \
scheduled function saved on reconcile#<userPoolId>, and saves it as it goes. A throttled or failed check sends nothing \
for that user and stops the pass before them. With --dry-run, users are checked and counted, nothing is sent and no \
position is saved.\n\n\
Cognito's UserRead quota (120/s by default) is shared by every AdminGetUser and GetUser of the account and region: keep \
--rate well under it. Needs dynamodb:Scan, dynamodb:GetItem and dynamodb:PutItem on the table, \
cognito-idp:AdminGetUser on the pool and sqs:SendMessage on the forget queue.";

/// `reconcile`.
#[derive(Debug, Clone, Args)]
pub struct ReconcileArgs {
    /// Check and count, but send nothing and save no position
    #[arg(long)]
    pub dry_run: bool,
    /// AdminGetUser calls per second (1 to 60)
    #[arg(long, value_name = "PER_SECOND", default_value_t = reconciler::config::DEFAULT_REQUESTS_PER_SECOND,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(reconciler::config::MAX_REQUESTS_PER_SECOND)))]
    pub rate: u32,
    /// Stop after checking this many users (the position is saved: the next run continues)
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

const UNLINK_HELP: &str = "Plan, and with --apply make, the removal of a user's link (the user is a username, a sub \
or an IdentityId, as whois reads them): the directory's user# and identity# items are deleted in one transaction, each \
on condition that it still holds what was read, the identity item's object and byte counters move to \
unattributed#<IdentityId> (the folder stays counted, as any folder of an unknown owner), and the user's \
custom:identity_id is deleted (AdminDeleteUserAttributes) when it holds that IdentityId.\n\n\
Nothing is written without --apply. An unknown user is exit 5, with nothing written. Needs admin IAM credentials \
(dynamodb:GetItem, dynamodb:DeleteItem, dynamodb:UpdateItem on the table; cognito-idp:AdminGetUser and \
AdminDeleteUserAttributes).";

const RELINK_HELP: &str = "Plan, and with --apply make, a relink of a user whose IdentityId changed (identity deleted, \
identities merged, identity pool re-created): the unlink above, after which the user's next /link (signed with their \
current identity pool credentials) records the IdentityId Cognito gives them now. No user token is needed: Cognito \
has no admin call that tells a user pool user's IdentityId (GetId needs the user's id token). Until the user links \
again, the authorizer resolves them with GetId. /link also relinks by itself when the user's credentials name a new \
IdentityId, so relink is for entries an operator knows to be stale.";

/// `unlink` and `relink`.
#[derive(Debug, Clone, Args)]
pub struct UnlinkArgs {
    /// A username, a sub or an IdentityId (or an S3 URI or key under private/<IdentityId>/)
    pub id: String,
    /// What kind of id it is
    #[arg(long, value_enum, default_value_t = WhoisBy::Auto)]
    pub by: WhoisBy,
    /// Make the changes (without it, only the plan is printed)
    #[arg(long)]
    pub apply: bool,
}

const FORGET_HELP: &str = "Forget a user (a username, a sub or an IdentityId, as whois reads them) with the forget \
function's own engine: their Cognito identities deleted (DeleteIdentities), then their private/<IdentityId>/ folders \
erased (--objects keep: only the owner tags removed; delete: every object and version deleted), then their directory \
items replaced in one transaction by a tombstone with no personal data. The plan is printed first and confirmed on a \
terminal; without a terminal, --yes is required. A username is resolved with AdminGetUser (a user already deleted from \
the pool is forgotten by sub). A user forgotten before is a success that says so; an unknown user is exit 5 with \
nothing written. Needs cognito-identity:DeleteIdentities; s3:ListBucket, s3:GetObjectTagging, s3:PutObjectTagging and \
s3:DeleteObjectTagging (keep) or s3:ListBucketVersions, s3:DeleteObject and s3:DeleteObjectVersion (delete); \
dynamodb:GetItem, dynamodb:PutItem and dynamodb:DeleteItem on the table; cognito-idp:AdminGetUser for a username.";

/// `forget`.
#[derive(Debug, Clone, Args)]
pub struct ForgetArgs {
    /// A username, a sub or an IdentityId (or an S3 URI or key under private/<IdentityId>/)
    pub id: String,
    /// What kind of id it is
    #[arg(long, value_enum, default_value_t = WhoisBy::Auto)]
    pub by: WhoisBy,
    /// What happens to the user's folder: keep (owner tags removed) or delete (every object and version)
    #[arg(long, value_enum, default_value_t = ForgetObjects::Keep)]
    pub objects: ForgetObjects,
    /// Forget without asking (required when stdin is not a terminal)
    #[arg(long)]
    pub yes: bool,
}

/// `--objects`: the CLI's spelling of the stack's `ForgetObjects`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ForgetObjects {
    /// The objects stay; only the owner tags are removed.
    Keep,
    /// Every object and version is deleted.
    Delete,
}

const DLQ_HELP: &str = "Show the messages of the object-events dead-letter queue (--dlq-url, COGNITO_BRIDGE_DLQ_URL, or the \
stack's ObjectEventsDeadLetterQueueUrl output): for each, its kind (S3 notification, EventBridge S3 event, folder job page, \
directory stream record), the object key(s) or folder it names, its receive count, first receive time, and why it failed \
when the message tells (a record the function skips for good says so; any other failure is in the function's log, under \
the message id). A message none of these shapes is shown as malformed.\n\n\
Listing does not consume: each message is received with a 30 s visibility timeout and released (visibility 0) when the \
listing ends. With --redrive, each well-formed message is sent back to the object-events queue (--queue-url, \
COGNITO_BRIDGE_QUEUE_URL, or ObjectEventsQueueUrl) and deleted from the dead-letter queue only once that send succeeded; \
malformed messages stay where they are (the function would drop them). A redrive with failures exits 1 and names them. \
Needs sqs:ReceiveMessage, sqs:ChangeMessageVisibility (and sqs:DeleteMessage, sqs:SendMessage on the source queue for --redrive).";

/// `dlq`.
#[derive(Debug, Clone, Args)]
pub struct DlqArgs {
    /// Move the messages back to the object-events queue (receive, send, then delete)
    #[arg(long)]
    pub redrive: bool,
    /// Read at most this many messages
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max: u32,
}

const WEB_CONFIG_HELP: &str = "Write the web app's config.json (the 7 keys web/src reads: ApiUrl, UserPoolId, \
UserPoolClientId, IdentityPoolId, Region, BucketName, DirectoryTableName) from the outputs of the stack named by --stack \
(one DescribeStacks call), or from a saved DescribeStacks answer (--from-file, e.g. 'aws cloudformation describe-stacks \
--stack-name NAME > stack.json'; no AWS call). A stack without one of the outputs is an error that names it, and nothing \
is written. In adopt mode UserPoolClientId may list several app clients: pick the app's own with --client-id.";

/// `web-config`.
#[derive(Debug, Clone, Args)]
pub struct WebConfigArgs {
    /// Where to write the config ('-' prints it)
    #[arg(long, value_name = "PATH", default_value = "web/public/config.json")]
    pub out: PathBuf,
    /// Read the stack's outputs from a saved DescribeStacks answer (JSON) instead of calling AWS
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
}

const ADOPT_HELP: &str = "Plan, and with --apply make, the changes that bring a team's existing user pool, app clients \
and bucket under the bridge: add custom:identity_id (String, mutable) to the pool; make it readable and not writable \
by each app client (--client-id, repeatable; default: every client of the pool), carrying every other client setting \
over; turn on the bucket's EventBridge delivery keeping its notification rules; then sweep the objects already stored. \
With --folder-layout sub or both, also add sts:TagSession to the Cognito statement(s) of the identity pool's \
authenticated role's trust policy (first), then map the principal tag sub to the claim sub for each user-pool \
provider of the identity pool, keeping every other statement and mapping.\n\n\
Every resource is read first (the pool, the identity pool and its providers, each client, the bucket's notification \
configuration, the directory table); nothing is written without --apply, so running adopt again is the drift check. \
With --apply each resource is read again right before it is written, and adopt stops if another tool changed it.\n\n\
Needs admin IAM credentials. Exit codes 5 (not found), 6 (access denied), 7 (conflict) are adopt's own.";

/// `adopt`.
#[derive(Debug, Clone, Args)]
pub struct AdoptArgs {
    /// An app client to adopt (repeat for several; COGNITO_BRIDGE_CLIENT_ID names one) [default: every app client of the pool]
    #[arg(long = "client-id", id = "client_id", value_name = "ID", action = clap::ArgAction::Append)]
    pub client_ids: Vec<String>,
    /// Make the changes (without it, adopt only prints the plan)
    #[arg(long)]
    pub apply: bool,
    /// The bridge's object-events queue: a bucket rule already sending private/ events there is a conflict
    #[arg(long, value_name = "ARN")]
    pub queue_arn: Option<String>,
    /// With --apply: return once the sweep has started, without watching it
    #[arg(long)]
    pub no_wait: bool,
}

/// How the password reaches the CLI: never as a flag value, which would land in shell history.
#[derive(Debug, Clone, Args)]
pub struct PasswordArgs {
    /// Read the password from the first line of stdin (otherwise from COGNITO_BRIDGE_PASSWORD)
    #[arg(long)]
    pub password_stdin: bool,
}

impl PasswordArgs {
    /// The password: the first line of stdin with `--password-stdin`, else `COGNITO_BRIDGE_PASSWORD`
    /// (never a flag value, which would land in shell history and `ps` output).
    pub fn read(&self) -> Result<String, CliError> {
        let password = if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|err| CliError::Usage(format!("cannot read the password from stdin: {err}")))?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        } else {
            std::env::var(PASSWORD_ENV).unwrap_or_default()
        };
        if password.is_empty() {
            let source =
                if self.password_stdin { "stdin was empty".to_owned() } else { format!("{PASSWORD_ENV} is not set") };
            return Err(CliError::Usage(format!(
                "no password: {source}; pipe it with --password-stdin or set {PASSWORD_ENV}"
            )));
        }
        Ok(password)
    }
}

/// `signup`.
#[derive(Debug, Clone, Args)]
pub struct SignupArgs {
    /// The new user's name
    #[arg(long = Setting::Username.long(), env = Setting::Username.env_var())]
    pub username: String,
    /// The new user's email; the confirmation code goes there
    #[arg(long)]
    pub email: String,
    /// Where the password comes from.
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// `confirm`.
#[derive(Debug, Clone, Args)]
pub struct ConfirmArgs {
    /// The user to confirm
    #[arg(long = Setting::Username.long(), env = Setting::Username.env_var())]
    pub username: String,
    /// How to confirm.
    #[command(flatten)]
    pub how: ConfirmHow,
}

/// Exactly one of `--code` and `--admin`.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct ConfirmHow {
    /// The confirmation code from the email (ConfirmSignUp)
    #[arg(long)]
    pub code: Option<String>,
    /// Confirm without a code (AdminConfirmSignUp): needs admin IAM credentials
    #[arg(long)]
    pub admin: bool,
}

/// The sign-in flow of `login`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthFlow {
    /// USER_SRP_AUTH: the password never leaves the machine
    Srp,
    /// USER_PASSWORD_AUTH: the password goes to Cognito over TLS (use it with the local emulator)
    Password,
}

/// `login`.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// The user to sign in
    #[arg(long = Setting::Username.long(), env = Setting::Username.env_var())]
    pub username: String,
    /// Sign-in flow; the app client must allow it (SRP keeps the password on this machine)
    #[arg(long = Setting::AuthFlow.long(), value_enum, env = Setting::AuthFlow.env_var(), default_value_t = AuthFlow::Srp)]
    pub flow: AuthFlow,
    /// Where the password comes from.
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// How `credentials` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CredentialsFormat {
    /// `export AWS_ACCESS_KEY_ID=…` lines for eval
    Env,
    /// A JSON object: identityId, accessKeyId, secretAccessKey, sessionToken, expiration
    Json,
    /// The AWS CLI/SDK credential_process format (Version 1); renews an expired id token with the cached refresh token
    Process,
}

/// `credentials`.
#[derive(Debug, Clone, Args)]
pub struct CredentialsArgs {
    /// Output format [default: env, or json with --json]
    #[arg(long, value_enum)]
    pub format: Option<CredentialsFormat>,
}

/// `whoami`.
#[derive(Debug, Clone, Args)]
pub struct WhoamiArgs {
    /// Call GET <api-url>/iam/whoami (or --route) signed with SigV4 (identity pool credentials, IAM auth)
    /// instead of sending a token (Lambda authorizer)
    #[arg(long, conflicts_with = "access_token")]
    pub iam: bool,
    /// Send the cached access token instead of the id token (routes that require an OAuth scope need it)
    #[arg(long)]
    pub access_token: bool,
    /// The route to call, below the API URL: /whoami, /scoped/whoami (requires an OAuth scope),
    /// /admin/whoami (requires the group admins) [default: /whoami, or /iam/whoami with --iam]
    #[arg(long, value_name = "PATH", value_parser = parse_route)]
    pub route: Option<String>,
}

impl WhoamiArgs {
    /// The route's path: `--route`, else `/whoami` (`/iam/whoami` with `--iam`).
    pub fn route(&self) -> &str {
        match &self.route {
            Some(route) => route,
            None if self.iam => "/iam/whoami",
            None => "/whoami",
        }
    }
}

/// `--route`: an absolute path below the API URL, without query, fragment or dot segments,
/// so the request goes to the route named and nowhere else.
fn parse_route(text: &str) -> Result<String, String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/-._~%!$&'()*+,;=:@".contains(c);
    let dot_segment = text.split('/').any(|segment| segment == "." || segment == "..");
    if !text.starts_with('/') || text.len() > 1024 || !text.chars().all(allowed) || dot_segment {
        return Err(format!(
            "{text:?} is not a route path: expected an absolute path such as /scoped/whoami (no query, spaces or dot segments)"
        ));
    }
    Ok(text.to_owned())
}

/// `whois`.
#[derive(Debug, Clone, Args)]
pub struct WhoisArgs {
    /// An IdentityId (<region>:<uuid>), an S3 URI or key under private/<IdentityId>/, a sub (uuid) or a username
    pub id: String,
    /// What kind of id it is
    #[arg(long, value_enum, default_value_t = WhoisBy::Auto)]
    pub by: WhoisBy,
    /// Page through ListUsers instead of reading the directory (for stacks without one)
    #[arg(long)]
    pub scan: bool,
}

/// `upload`.
#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// The file to upload
    pub file: PathBuf,
    /// The object's name inside the private folder [default: FILE's file name]
    #[arg(long, value_name = "NAME")]
    pub key: Option<String>,
}

/// `usage`.
#[derive(Debug, Clone, Args)]
pub struct UsageArgs {
    /// A username, a sub or an IdentityId (or an S3 URI or key under private/<IdentityId>/)
    pub id: String,
    /// What kind of id it is
    #[arg(long, value_enum, default_value_t = WhoisBy::Auto)]
    pub by: WhoisBy,
}

/// `backfill`.
#[derive(Debug, Clone, Args)]
pub struct BackfillArgs {
    /// Start at this ListUsers page (the token a stopped run printed)
    #[arg(long, value_name = "TOKEN")]
    pub page_token: Option<String>,
    /// ListUsers calls per second at most; Cognito's UserList quota is 30/s for the whole account and region
    #[arg(long, value_name = "PER_SECOND", default_value_t = 5.0, value_parser = parse_rate)]
    pub rate: f64,
    /// Stop after this many pages and print the token to resume from
    #[arg(long, value_name = "N")]
    pub max_pages: Option<u32>,
}

/// `sweep`.
#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// Replace a run that is still going
    #[arg(long)]
    pub restart: bool,
    /// Return once the run is started
    #[arg(long)]
    pub no_wait: bool,
    /// Show the progress line on stderr even when it is not a terminal
    #[arg(long)]
    pub progress: bool,
}

/// `--rate`: a number of calls per second, above 0 and under the UserList quota.
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate <= 25.0 => Ok(rate),
        _ => Err(format!("{text:?} is not a rate between 0 and 25 calls per second (the UserList quota is 30/s)")),
    }
}

/// Which token `token` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenKind {
    /// The id token (what the API's Authorization header and /link take)
    Id,
    /// The access token
    Access,
    /// The refresh token
    Refresh,
}

/// `token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Which token
    #[arg(long, value_enum, default_value_t = TokenKind::Id)]
    pub kind: TokenKind,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every flag's help block (from its `--flag` line to the next flag) in `help`.
    fn flag_blocks(help: &str) -> Vec<String> {
        let mut blocks: Vec<String> = Vec::new();
        for line in help.lines() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("--") || (trimmed.starts_with('-') && trimmed.contains(", --")) {
                blocks.push(String::new());
            }
            if let Some(block) = blocks.last_mut() {
                block.push_str(line);
                block.push('\n');
            }
        }
        blocks
    }

    #[test]
    fn help_shows_every_setting_with_the_flag_and_variable_of_the_table() {
        // `login` shows the global settings and its own (username, flow).
        let mut command = Cli::command();
        command.build();
        let help = command.find_subcommand_mut("login").expect("login").render_long_help().to_string();
        let blocks = flag_blocks(&help);
        for setting in Setting::ALL {
            let flag = setting.flag();
            let block = blocks
                .iter()
                .find(|block| {
                    let first = block.trim_start();
                    first.starts_with(&format!("{flag} ")) || first.starts_with(&format!("{flag}\n"))
                })
                .unwrap_or_else(|| panic!("{flag} is not in login --help:\n{help}"));
            assert!(
                block.contains(&format!("[env: {}=", setting.env_var())),
                "{flag} shows {}: {block}",
                setting.env_var()
            );
        }
    }

    #[test]
    fn every_argument_read_from_the_environment_is_in_the_settings_table() {
        fn check(command: &clap::Command) {
            for arg in command.get_arguments() {
                if let Some(env) = arg.get_env() {
                    let env = env.to_str().expect("ascii");
                    let long = arg.get_long().expect("a long flag");
                    assert!(
                        Setting::ALL.iter().any(|s| s.env_var() == env && s.long() == long),
                        "--{long} / {env} of {} is not in the settings table",
                        command.get_name()
                    );
                }
            }
            command.get_subcommands().for_each(check);
        }
        check(&Cli::command());
    }

    #[test]
    fn whoami_routes_default_per_auth_and_must_be_paths() {
        let whoami = |args: &[&str]| match Cli::try_parse_from([&["cognito-bridge", "whoami"], args].concat()) {
            Ok(Cli { command: Command::Whoami(whoami), .. }) => Ok(whoami),
            Ok(other) => panic!("not whoami: {other:?}"),
            Err(err) => Err(err.to_string()),
        };
        assert_eq!(whoami(&[]).unwrap().route(), "/whoami");
        assert_eq!(whoami(&["--iam"]).unwrap().route(), "/iam/whoami");
        let scoped = whoami(&["--access-token", "--route", "/scoped/whoami"]).unwrap();
        assert_eq!((scoped.route(), scoped.access_token), ("/scoped/whoami", true));
        assert_eq!(whoami(&["--iam", "--route", "/iam/other"]).unwrap().route(), "/iam/other");
        for bad in ["whoami", "", "/a b", "/a?x=1", "/a#f", "/../link", "/a/./b", "https://evil.example/x", "/é"] {
            let err = whoami(&["--route", bad]).unwrap_err();
            assert!(err.contains("is not a route path"), "{bad:?}: {err}");
        }
        assert!(whoami(&["--iam", "--access-token"]).unwrap_err().contains("cannot be used with"));
    }

    #[test]
    fn adopt_takes_client_ids_repeated_or_the_one_from_the_environment() {
        let parse = |args: &[&str]| match Cli::try_parse_from([&["cognito-bridge", "adopt"], args].concat()) {
            Ok(Cli { command: Command::Adopt(adopt), target, .. }) => (adopt.client_ids, target.client_id),
            other => panic!("not adopt: {other:?}"),
        };
        let (ids, _) = parse(&["--client-id", "a", "--client-id", "b", "--apply"]);
        assert_eq!(ids, ["a", "b"]);
        assert!(parse(&[]).0.is_empty());
        // SAFETY: no other test of this crate reads or writes this variable.
        unsafe { std::env::set_var(Setting::ClientId.env_var(), "from-env") };
        let (ids, global) = parse(&[]);
        unsafe { std::env::remove_var(Setting::ClientId.env_var()) };
        assert_eq!(ids, ["from-env"], "the global setting's variable names adopt's client too");
        assert_eq!(global.as_deref(), Some("from-env"));
    }

    #[test]
    fn confirm_takes_exactly_one_of_code_and_admin() {
        let parse =
            |args: &[&str]| Cli::try_parse_from([&["cognito-bridge", "confirm", "--username", "u"], args].concat());
        assert!(parse(&["--code", "123"]).is_ok());
        assert!(parse(&["--admin"]).is_ok());
        assert!(parse(&[]).is_err());
        assert!(parse(&["--code", "1", "--admin"]).is_err());
    }
}
