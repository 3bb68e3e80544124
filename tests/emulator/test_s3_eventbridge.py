"""The emulator keeps S3's EventBridge switch and sends S3's events (s3_eventbridge.py).

Against plain moto, GetBucketNotificationConfiguration never returns
EventBridgeConfiguration, and every event has the same id and sequencer, an
``eTag``, ``reason`` ``ObjectCreated``, no ``deletion-type``, an "Object Tags Added"
after every put, and nothing for a delete marker.
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.config import Config

REGION = "us-east-1"


def _client(endpoint: str, service: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def s3(endpoint):
    return _client(endpoint, "s3")


@pytest.fixture(scope="module")
def sqs(endpoint):
    return _client(endpoint, "sqs")


@pytest.fixture(scope="module")
def events(endpoint):
    return _client(endpoint, "events")


@pytest.fixture()
def bucket(s3):
    name = f"adopt-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def queue_for_rule(sqs, events, pattern: dict) -> str:
    """A queue that receives what a default-bus rule with this pattern matches."""
    name = f"events-{uuid.uuid4().hex[:12]}"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=name, EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])
    return url


def drain(sqs, url: str) -> list[dict]:
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def eventbridge_on(s3, bucket: str) -> None:
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})


def padded(sequencer: str, width: int = 64) -> str:
    return sequencer.rjust(width, "0")


# --------------------------------------------------------------------------
# The switch
# --------------------------------------------------------------------------


def test_get_bucket_notification_configuration_returns_eventbridge_configuration(s3, sqs, bucket):
    queue_url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [{"Id": "theirs", "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}],
            "EventBridgeConfiguration": {},
        },
    )
    read = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert read["EventBridgeConfiguration"] == {}
    assert [q["Id"] for q in read["QueueConfigurations"]] == ["theirs"]


def test_read_merge_write_keeps_eventbridge_on(s3, sqs, bucket):
    """What adopt does to a bucket whose owners already turned EventBridge on."""
    eventbridge_on(s3, bucket)
    read = s3.get_bucket_notification_configuration(Bucket=bucket)
    read.pop("ResponseMetadata")
    queue_url = sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    read.setdefault("QueueConfigurations", []).append({"Id": "ours", "QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=read)
    assert "EventBridgeConfiguration" in s3.get_bucket_notification_configuration(Bucket=bucket)


def test_a_bucket_without_eventbridge_has_no_eventbridge_configuration(s3, bucket):
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket)


# --------------------------------------------------------------------------
# The events, delivered by a rule to a queue
# --------------------------------------------------------------------------


def test_object_created_events_reach_a_prefix_rule_as_s3_sends_them(s3, sqs, events, bucket):
    eventbridge_on(s3, bucket)
    url = queue_for_rule(sqs, events, {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "private/"}]}},
    })
    key = "private/us-east-1:0b5e/a file+1.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"one")
    s3.put_object(Bucket=bucket, Key=key, Body=b"two!")
    s3.put_object(Bucket=bucket, Key="public/elsewhere.txt", Body=b"x")
    s3.copy_object(Bucket=bucket, Key="private/us-east-1:0b5e/copy.txt", CopySource={"Bucket": bucket, "Key": key})

    received = drain(sqs, url)
    assert [e["detail"]["object"]["key"] for e in received] == [key, key, "private/us-east-1:0b5e/copy.txt"]
    assert [e["detail"]["reason"] for e in received] == ["PutObject", "PutObject", "CopyObject"]
    assert len({e["id"] for e in received}) == 3
    first, second, copy = received
    assert padded(first["detail"]["object"]["sequencer"]) < padded(second["detail"]["object"]["sequencer"])
    head = s3.head_object(Bucket=bucket, Key=key)
    assert second["detail"]["object"]["etag"] == head["ETag"].strip('"')
    assert "eTag" not in second["detail"]["object"]
    assert second["detail"]["object"]["size"] == 4
    assert "version-id" not in second["detail"]["object"]
    assert first["source"] == "aws.s3" and first["account"] and first["region"] == REGION
    assert first["resources"] == [f"arn:aws:s3:::{bucket}"]
    assert first["time"].endswith("Z") and "T" in first["time"]
    assert "deletion-type" not in copy["detail"]


def test_object_deleted_events_carry_the_deletion_type(s3, sqs, events, bucket):
    eventbridge_on(s3, bucket)
    url = queue_for_rule(sqs, events, {
        "source": ["aws.s3"], "detail-type": ["Object Deleted"], "detail": {"bucket": {"name": [bucket]}},
    })
    s3.put_object(Bucket=bucket, Key="private/a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="private/b.txt", Body=b"b")
    s3.delete_object(Bucket=bucket, Key="private/a.txt")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "private/b.txt"}]})
    received = drain(sqs, url)
    assert [e["detail"]["object"]["key"] for e in received] == ["private/a.txt", "private/b.txt"]
    for event in received:
        assert event["detail"]["reason"] == "DeleteObject"
        assert event["detail"]["deletion-type"] == "Permanently Deleted"
        assert "size" not in event["detail"]["object"]
    assert received[0]["id"] != received[1]["id"]


def test_a_delete_marker_is_an_object_deleted_event(s3, sqs, events, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    eventbridge_on(s3, bucket)
    url = queue_for_rule(sqs, events, {"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}})
    version = s3.put_object(Bucket=bucket, Key="private/v.txt", Body=b"v")["VersionId"]
    marker = s3.delete_object(Bucket=bucket, Key="private/v.txt")["VersionId"]
    created, deleted = drain(sqs, url)
    assert created["detail-type"] == "Object Created"
    assert created["detail"]["object"]["version-id"] == version
    assert deleted["detail-type"] == "Object Deleted"
    assert deleted["detail"]["deletion-type"] == "Delete Marker Created"
    assert deleted["detail"]["object"]["version-id"] == marker
    assert padded(created["detail"]["object"]["sequencer"]) < padded(deleted["detail"]["object"]["sequencer"])


def test_tag_events_come_from_the_tagging_calls_only(s3, sqs, events, bucket):
    eventbridge_on(s3, bucket)
    url = queue_for_rule(sqs, events, {
        "source": ["aws.s3"], "detail-type": ["Object Tags Added", "Object Tags Deleted"], "detail": {"bucket": {"name": [bucket]}},
    })
    s3.put_object(Bucket=bucket, Key="private/t.txt", Body=b"t", Tagging="owner=ada")
    assert drain(sqs, url) == []
    s3.put_object_tagging(Bucket=bucket, Key="private/t.txt", Tagging={"TagSet": [{"Key": "owner", "Value": "ada"}]})
    s3.delete_object_tagging(Bucket=bucket, Key="private/t.txt")
    assert [e["detail-type"] for e in drain(sqs, url)] == ["Object Tags Added", "Object Tags Deleted"]
