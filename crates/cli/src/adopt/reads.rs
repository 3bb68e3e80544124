//! Every read adopt makes before it decides anything (the preflight): the pool and
//! its schema, the identity pool and its providers, each app client's description,
//! the bucket's notification configuration and the directory table, and for the `sub`
//! and `both` folder layouts the role and principal-tag maps (`layout_reads`). A failed
//! read names the resource, and nothing has been written.

use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentityprovider::types::{UserPoolClientType, UserPoolType};
use aws_sdk_s3::types::NotificationConfiguration;

use super::adopt_error::{AdoptError, ResourceKind};
use super::attribute_plan::SchemaAttribute;
use super::layout_reads::{LayoutObserved, read_layout, user_pool_providers};
use super::pool_update::pool_trigger;
use super::trigger_plan::PoolTrigger;
use crate::aws_call_error::AwsCallError;

/// The AWS clients adopt talks through.
#[derive(Debug, Clone)]
pub struct AdoptClients {
    /// Cognito user pools.
    pub idp: idp::Client,
    /// Cognito identity pools.
    pub identity: aws_sdk_cognitoidentity::Client,
    /// S3.
    pub s3: aws_sdk_s3::Client,
    /// DynamoDB.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// SQS (the sweep starts with a message to the stack's queue).
    pub sqs: aws_sdk_sqs::Client,
    /// IAM (the authenticated role's trust policy, folder layouts `sub` and `both`).
    pub iam: aws_sdk_iam::Client,
}

/// What adopt is pointed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoptTarget {
    /// The user pool id.
    pub pool_id: String,
    /// `cognito-idp.<region>.amazonaws.com/<pool>`, as the identity pool lists it.
    pub provider_name: String,
    /// The identity pool id.
    pub identity_pool_id: String,
    /// The bucket of the private folders.
    pub bucket: String,
    /// The identity directory table.
    pub directory_table: String,
    /// The app clients named on the command line (empty: every client of the pool).
    pub client_ids: Vec<String>,
    /// The stack's object-events queue, where the sweep starts (none: the sweep waits).
    pub queue_url: Option<String>,
    /// The stack's Pre Token Generation function (`--pre-token-function-arn`), attached
    /// to a pool that has no such trigger (none: nothing is attached).
    pub pre_token_function_arn: Option<String>,
    /// The stack's folder layout: `sub` and `both` also map the principal tag `sub` and
    /// let the authenticated role's sessions be tagged; `identity-id` reads neither.
    pub folder_layout: String,
}

impl AdoptTarget {
    /// Whether the layout puts folders under `users/<sub>/` (`sub` or `both`).
    pub fn has_sub_folders(&self) -> bool {
        self.folder_layout != "identity-id"
    }
}

/// Everything read before planning; apply compares its re-reads with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The pool's schema.
    pub schema: Vec<SchemaAttribute>,
    /// The pool's pre token generation trigger and feature plan.
    pub trigger: PoolTrigger,
    /// Each chosen client, as DescribeUserPoolClient returned it.
    pub clients: Vec<UserPoolClientType>,
    /// The bucket's notification configuration.
    pub notifications: NotificationConfiguration,
    /// The role and principal-tag maps (folder layouts `sub` and `both` only).
    pub layout: Option<LayoutObserved>,
    /// What the reads found worth a warning.
    pub warnings: Vec<String>,
}

/// Sorts a failed SDK call on a resource.
pub fn failed<E, R>(action: &'static str, kind: ResourceKind, id: &str) -> impl FnOnce(SdkError<E, R>) -> AdoptError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let id = id.to_owned();
    move |err| AdoptError::from_call(action, kind, &id, AwsCallError::from_sdk(&err))
}

/// The preflight: every read, in order, before anything is decided or written.
pub async fn read_all(clients: &AdoptClients, target: &AdoptTarget) -> Result<Observed, AdoptError> {
    let pool = read_pool(clients, &target.pool_id).await?;
    let schema = schema_of(&pool);
    let trigger = pool_trigger(&pool);
    let (listed_clients, providers) = read_identity_pool_clients(clients, target).await?;
    let client_ids = match target.client_ids.is_empty() {
        true => list_client_ids(clients, &target.pool_id).await?,
        false => target.client_ids.clone(),
    };
    let mut described = Vec::with_capacity(client_ids.len());
    let mut warnings = Vec::new();
    if !target.client_ids.is_empty() {
        warnings.push(format!(
            "checked only app client(s) {} (--client-id or COGNITO_BRIDGE_CLIENT_ID); unset both to check every client of the pool",
            target.client_ids.join(", ")
        ));
    }
    for client_id in &client_ids {
        described.push(describe_client(clients, &target.pool_id, client_id).await?);
        if !listed_clients.contains(client_id) {
            warnings.push(format!(
                "app client {client_id} is not one of identity pool {}'s ClientIds: its users' tokens get no identity pool credentials",
                target.identity_pool_id
            ));
        }
    }
    let layout = match target.has_sub_folders() {
        true => Some(read_layout(clients, &target.identity_pool_id, &providers).await?),
        false => None,
    };
    let notifications = read_notifications(clients, &target.bucket).await?;
    clients.dynamodb.describe_table().table_name(&target.directory_table).send().await.map_err(failed(
        "dynamodb:DescribeTable",
        ResourceKind::DirectoryTable,
        &target.directory_table,
    ))?;
    Ok(Observed { schema, trigger, clients: described, notifications, layout, warnings })
}

/// DescribeUserPool: the pool's schema.
pub async fn read_schema(clients: &AdoptClients, pool_id: &str) -> Result<Vec<SchemaAttribute>, AdoptError> {
    Ok(schema_of(&read_pool(clients, pool_id).await?))
}

/// DescribeUserPool: the whole pool (its schema, triggers and every setting).
pub async fn read_pool(clients: &AdoptClients, pool_id: &str) -> Result<UserPoolType, AdoptError> {
    let answer = clients.idp.describe_user_pool().user_pool_id(pool_id).send().await.map_err(failed(
        "cognito-idp:DescribeUserPool",
        ResourceKind::UserPool,
        pool_id,
    ))?;
    answer.user_pool.ok_or_else(|| AdoptError::NotFound {
        kind: ResourceKind::UserPool,
        id: pool_id.to_owned(),
        cause: "DescribeUserPool returned no pool".into(),
    })
}

/// The schema of a described pool, as the attribute planner reads it.
pub fn schema_of(pool: &UserPoolType) -> Vec<SchemaAttribute> {
    pool.schema_attributes()
        .iter()
        .map(|attribute| SchemaAttribute {
            name: attribute.name().unwrap_or_default().to_owned(),
            data_type: attribute.attribute_data_type().map(|t| t.as_str().to_owned()).unwrap_or_default(),
            mutable: attribute.mutable().unwrap_or(false),
        })
        .collect()
}

/// DescribeIdentityPool: the pool must be one of its providers; returns the client ids it
/// lists for the pool, and every user-pool provider it has (the pool's first).
async fn read_identity_pool_clients(
    clients: &AdoptClients,
    target: &AdoptTarget,
) -> Result<(Vec<String>, Vec<String>), AdoptError> {
    let id = &target.identity_pool_id;
    let pool = clients.identity.describe_identity_pool().identity_pool_id(id).send().await.map_err(failed(
        "cognito-identity:DescribeIdentityPool",
        ResourceKind::IdentityPool,
        id,
    ))?;
    let providers: Vec<_> = pool
        .cognito_identity_providers()
        .iter()
        .filter(|provider| provider.provider_name() == Some(target.provider_name.as_str()))
        .collect();
    if providers.is_empty() {
        return Err(AdoptError::BadInput(format!(
            "identity pool {id} does not list user pool {} among its providers (expected {}); check --identity-pool-id",
            target.pool_id, target.provider_name
        )));
    }
    let client_ids = providers.iter().filter_map(|provider| provider.client_id().map(str::to_owned)).collect();
    let names = std::iter::once(target.provider_name.as_str())
        .chain(pool.cognito_identity_providers().iter().filter_map(|provider| provider.provider_name()));
    Ok((client_ids, user_pool_providers(names)))
}

/// ListUserPoolClients, every page.
async fn list_client_ids(clients: &AdoptClients, pool_id: &str) -> Result<Vec<String>, AdoptError> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = clients
            .idp
            .list_user_pool_clients()
            .user_pool_id(pool_id)
            .max_results(60)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(failed("cognito-idp:ListUserPoolClients", ResourceKind::UserPool, pool_id))?;
        ids.extend(page.user_pool_clients().iter().filter_map(|client| client.client_id().map(str::to_owned)));
        match page.next_token {
            Some(token) if !token.is_empty() => next = Some(token),
            _ => return Ok(ids),
        }
    }
}

/// DescribeUserPoolClient.
pub async fn describe_client(
    clients: &AdoptClients,
    pool_id: &str,
    client_id: &str,
) -> Result<UserPoolClientType, AdoptError> {
    clients
        .idp
        .describe_user_pool_client()
        .user_pool_id(pool_id)
        .client_id(client_id)
        .send()
        .await
        .map_err(failed("cognito-idp:DescribeUserPoolClient", ResourceKind::AppClient, client_id))?
        .user_pool_client
        .ok_or_else(|| AdoptError::NotFound {
            kind: ResourceKind::AppClient,
            id: client_id.to_owned(),
            cause: "DescribeUserPoolClient returned no client".into(),
        })
}

/// GetBucketNotificationConfiguration (it also proves the bucket exists and can be read).
pub async fn read_notifications(clients: &AdoptClients, bucket: &str) -> Result<NotificationConfiguration, AdoptError> {
    let answer = clients.s3.get_bucket_notification_configuration().bucket(bucket).send().await.map_err(failed(
        "s3:GetBucketNotificationConfiguration",
        ResourceKind::Bucket,
        bucket,
    ))?;
    Ok(NotificationConfiguration::builder()
        .set_queue_configurations(answer.queue_configurations)
        .set_topic_configurations(answer.topic_configurations)
        .set_lambda_function_configurations(answer.lambda_function_configurations)
        .set_event_bridge_configuration(answer.event_bridge_configuration)
        .build())
}
