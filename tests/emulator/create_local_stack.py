"""Create, in the local Cognito, the Cognito resources that template.yaml creates.

The user pool has the custom attribute ``identity_id`` (String, mutable, so the
link function can write it with AdminUpdateUserAttributes); the app client reads
it but may not write it; the identity pool accepts that pool and client only and
refuses unauthenticated identities.

The identity directory table is created from template.yaml's own ``DirectoryTable``
definition (key schema, billing, encryption, point-in-time recovery), so the local
table is the deployed one.

The object-owner pipeline (the bucket, its ObjectEventsQueue, the dead-letter queue,
the queue policy and the bucket's notification) is created from template.yaml's own
``Bucket``, ``ObjectEventsQueue``, ``ObjectEventsDeadLetterQueue`` and
``ObjectEventsQueuePolicy`` definitions, with the template's intrinsics resolved to the
local names.

Usage: create_local_stack.py ENDPOINT_URL NAME  -> prints the ids as JSON.
       create_local_stack.py --directory-table ENDPOINT_URL NAME
           -> creates only a directory table, prints {"DirectoryTableName": ...}.
       create_local_stack.py --object-pipeline ENDPOINT_URL NAME [VISIBILITY_TIMEOUT]
           -> creates only the pipeline, prints its bucket name and queue URLs and ARNs.
              VISIBILITY_TIMEOUT (seconds) replaces the template's, so that tests see
              a failed message again without waiting 3 minutes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3
import yaml

REGION = "us-east-1"
# The standard attributes the app client may write (template.yaml: WriteAttributes).
WRITABLE = ["email", "name", "given_name", "family_name", "preferred_username", "locale", "zoneinfo"]


TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def create(endpoint: str, name: str) -> dict:
    session = _session()
    idp = session.client("cognito-idp", endpoint_url=endpoint)
    identity = session.client("cognito-identity", endpoint_url=endpoint)

    pool = idp.create_user_pool(
        PoolName=f"{name}-users",
        UsernameConfiguration={"CaseSensitive": False},
        AutoVerifiedAttributes=["email"],
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True},
            {
                "Name": "identity_id",
                "AttributeDataType": "String",
                "Mutable": True,
                "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "128"},
            },
        ],
    )["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=f"{name}-app",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "email_verified", "name", "custom:identity_id"],
        WriteAttributes=WRITABLE,
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]
    provider = f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
    identity_pool = identity.create_identity_pool(
        IdentityPoolName=f"{name}_identities".replace("-", "_"),
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {"ProviderName": provider, "ClientId": client["ClientId"], "ServerSideTokenCheck": True}
        ],
    )
    return {
        "UserPoolId": pool["Id"],
        "UserPoolClientId": client["ClientId"],
        "IdentityPoolId": identity_pool["IdentityPoolId"],
        "DirectoryTableName": create_directory_table(endpoint, name),
        **create_object_pipeline(endpoint, name),
        "Region": REGION,
    }


# --------------------------------------------------------------------------
# Identity directory (DynamoDB), from template.yaml's DirectoryTable
# --------------------------------------------------------------------------


class _TemplateLoader(yaml.SafeLoader):
    """A YAML loader that reads CloudFormation's short-form intrinsics (!Ref, !Sub, …)."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def template_resource(logical_id: str, template: Path = TEMPLATE) -> dict:
    """One resource of template.yaml, as CloudFormation reads it."""
    with open(template, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_TemplateLoader)["Resources"][logical_id]


# The DirectoryTable properties this script knows how to reproduce locally. Any other
# property fails loudly, so the local table never silently differs from the deployed one.
_TABLE_PROPERTIES = {
    "BillingMode",
    "AttributeDefinitions",
    "KeySchema",
    "PointInTimeRecoverySpecification",
    "SSESpecification",
    "DeletionProtectionEnabled",
    "TimeToLiveSpecification",
}


def directory_table_ttl(resource: dict) -> dict | None:
    """The UpdateTimeToLive specification of a template table, if it has one."""
    ttl = resource.get("Properties", {}).get("TimeToLiveSpecification")
    if not ttl:
        return None
    return {"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl.get("Enabled"))}


def directory_table_request(resource: dict, table_name: str) -> tuple[dict, bool]:
    """CreateTable arguments for a template ``AWS::DynamoDB::Table``, and whether PITR is on."""
    if resource.get("Type") != "AWS::DynamoDB::Table":
        raise ValueError(f"DirectoryTable is a {resource.get('Type')}, not an AWS::DynamoDB::Table")
    properties = resource.get("Properties", {})
    unknown = set(properties) - _TABLE_PROPERTIES
    if unknown:
        raise ValueError(f"DirectoryTable properties this script cannot reproduce: {sorted(unknown)}")
    request = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    sse = properties.get("SSESpecification")
    if sse:
        request["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled"))}
        if "SSEType" in sse:
            request["SSESpecification"]["SSEType"] = sse["SSEType"]
    if "DeletionProtectionEnabled" in properties:
        request["DeletionProtectionEnabled"] = bool(properties["DeletionProtectionEnabled"])
    pitr = bool(properties.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"))
    return request, pitr


def create_directory_table(endpoint: str, name: str) -> str:
    """Creates ``<name>-directory`` as template.yaml defines DirectoryTable; returns its name."""
    dynamodb = _session().client("dynamodb", endpoint_url=endpoint)
    table_name = f"{name}-directory"
    resource = template_resource("DirectoryTable")
    request, pitr = directory_table_request(resource, table_name)
    dynamodb.create_table(**request)
    dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
    if pitr:
        dynamodb.update_continuous_backups(
            TableName=table_name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    ttl = directory_table_ttl(resource)
    if ttl:
        dynamodb.update_time_to_live(TableName=table_name, TimeToLiveSpecification=ttl)
    return table_name


# --------------------------------------------------------------------------
# The object-owner pipeline (S3 -> SQS), from template.yaml's own resources
# --------------------------------------------------------------------------

ACCOUNT_ID = "123456789012"  # moto's account

# Bucket properties reproduced locally, and those that moto's S3 cannot use or that
# change nothing a local test can see (the CORS rules and lifecycle of the deployed
# bucket). Any other property fails loudly.
_BUCKET_PROPERTIES = {"BucketName", "NotificationConfiguration", "BucketEncryption", "PublicAccessBlockConfiguration"}
_BUCKET_PROPERTIES_NOT_REPRODUCED = {"OwnershipControls", "CorsConfiguration", "LifecycleConfiguration"}
_QUEUE_ATTRIBUTES = {"SqsManagedSseEnabled", "VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy"}


def _resolve(value: Any, names: dict) -> Any:
    """A template value with !Ref, !GetAtt and !Sub resolved from ``names``."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return names[arg]
        if fn == "Fn::GetAtt":
            return names[".".join(arg) if isinstance(arg, list) else arg]
        if fn == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            for key, resolved in names.items():
                text = text.replace("${" + key + "}", str(resolved))
            if "${" in text:
                raise ValueError(f"cannot resolve {text!r} locally")
            return text
    if isinstance(value, dict):
        return {k: _resolve(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, names) for v in value]
    return value


def _queue_attributes(resource: dict, names: dict) -> dict:
    properties = resource.get("Properties", {})
    unknown = set(properties) - _QUEUE_ATTRIBUTES
    if unknown:
        raise ValueError(f"queue properties this script cannot reproduce: {sorted(unknown)}")
    attributes = {}
    for key, value in _resolve(properties, names).items():
        if key == "RedrivePolicy":
            attributes[key] = json.dumps(value)
        elif isinstance(value, bool):
            attributes[key] = "true" if value else "false"
        else:
            attributes[key] = str(value)
    return attributes


def bucket_notification(resource: dict, names: dict) -> dict:
    """PutBucketNotificationConfiguration's argument from a template bucket's NotificationConfiguration."""
    configurations = []
    for queue in resource["Properties"]["NotificationConfiguration"]["QueueConfigurations"]:
        entry = {"QueueArn": _resolve(queue["Queue"], names), "Events": [queue["Event"]]}
        rules = queue.get("Filter", {}).get("S3Key", {}).get("Rules")
        if rules:
            entry["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
        configurations.append(entry)
    return {"QueueConfigurations": configurations}


def create_object_pipeline(endpoint: str, name: str, visibility_timeout: int | None = None) -> dict:
    """The bucket, queue, dead-letter queue, queue policy and notification of template.yaml."""
    session = _session()
    sqs = session.client("sqs", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    names: dict = {"AWS::StackName": name.lower(), "AWS::AccountId": ACCOUNT_ID, "AWS::Region": REGION, "AWS::Partition": "aws"}

    dlq_url = sqs.create_queue(
        QueueName=f"{name}-object-events-dlq",
        Attributes=_queue_attributes(template_resource("ObjectEventsDeadLetterQueue"), names),
    )["QueueUrl"]
    names["ObjectEventsDeadLetterQueue"] = dlq_url
    names["ObjectEventsDeadLetterQueue.Arn"] = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    attributes = _queue_attributes(template_resource("ObjectEventsQueue"), names)
    if visibility_timeout is not None:
        attributes["VisibilityTimeout"] = str(visibility_timeout)
    queue_url = sqs.create_queue(QueueName=f"{name}-object-events", Attributes=attributes)["QueueUrl"]
    names["ObjectEventsQueue"] = queue_url
    names["ObjectEventsQueue.Arn"] = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    policy = template_resource("ObjectEventsQueuePolicy")["Properties"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(_resolve(policy["PolicyDocument"], names))})

    bucket = template_resource("Bucket")
    properties = bucket.get("Properties", {})
    unknown = set(properties) - _BUCKET_PROPERTIES - _BUCKET_PROPERTIES_NOT_REPRODUCED
    if unknown:
        raise ValueError(f"Bucket properties this script cannot reproduce: {sorted(unknown)}")
    bucket_name = _resolve(properties["BucketName"], names)
    s3.create_bucket(Bucket=bucket_name)
    names["Bucket"] = bucket_name
    if "PublicAccessBlockConfiguration" in properties:
        s3.put_public_access_block(Bucket=bucket_name, PublicAccessBlockConfiguration=properties["PublicAccessBlockConfiguration"])
    if "BucketEncryption" in properties:
        rules = [
            {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
            for r in properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        s3.put_bucket_encryption(Bucket=bucket_name, ServerSideEncryptionConfiguration={"Rules": rules})
    s3.put_bucket_notification_configuration(Bucket=bucket_name, NotificationConfiguration=bucket_notification(bucket, names))
    return {
        "BucketName": bucket_name,
        "ObjectEventsQueueUrl": queue_url,
        "ObjectEventsQueueArn": names["ObjectEventsQueue.Arn"],
        "ObjectEventsDeadLetterQueueUrl": dlq_url,
        "ObjectEventsDeadLetterQueueArn": names["ObjectEventsDeadLetterQueue.Arn"],
    }


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--directory-table":
        print(json.dumps({"DirectoryTableName": create_directory_table(sys.argv[2], sys.argv[3])}))
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "--object-pipeline":
        timeout = int(sys.argv[4]) if len(sys.argv) == 5 else None
        print(json.dumps(create_object_pipeline(sys.argv[2], sys.argv[3], timeout)))
    elif len(sys.argv) == 3:
        print(json.dumps(create(sys.argv[1], sys.argv[2])))
    else:
        sys.exit(__doc__)
