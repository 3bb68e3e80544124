"""S3 notifications from the emulator carry a sequencer per key, as S3's do."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config


@pytest.fixture(scope="module")
def aws(endpoint):
    def client(service):
        return boto3.client(
            service, endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )

    return client


def records(sqs, queue_url: str, expected: int) -> list[dict]:
    found = []
    for _ in range(20):
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        for message in answer.get("Messages", []):
            body = json.loads(message["Body"])
            found.extend(body.get("Records", []))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        if len(found) >= expected:
            break
    return found


def test_every_write_of_a_key_gets_a_larger_sequencer_and_lengths_differ(aws):
    s3, sqs = aws("s3"), aws("sqs")
    s3.create_bucket(Bucket="sequencer-bucket")
    queue_url = sqs.create_queue(QueueName="sequencer-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(
        Bucket="sequencer-bucket",
        NotificationConfiguration={"QueueConfigurations": [
            {"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "private/"}]}}},
        ]},
    )
    writes = []
    for n in range(12):
        s3.put_object(Bucket="sequencer-bucket", Key="private/a.txt", Body=b"x" * n)
        writes.append(("ObjectCreated:Put", "private/a.txt"))
        s3.put_object(Bucket="sequencer-bucket", Key=f"private/other-{n}.txt", Body=b"y")
        writes.append(("ObjectCreated:Put", f"private/other-{n}.txt"))
    s3.delete_object(Bucket="sequencer-bucket", Key="private/a.txt")
    writes.append(("ObjectRemoved:Delete", "private/a.txt"))
    s3.delete_objects(Bucket="sequencer-bucket", Delete={"Objects": [{"Key": "private/other-0.txt"}]})
    writes.append(("ObjectRemoved:Delete", "private/other-0.txt"))

    found = records(sqs, queue_url, len(writes))
    assert len(found) == len(writes)
    of_a = [r for r in found if r["s3"]["object"]["key"] in ("private%2Fa.txt", "private/a.txt")]
    assert len(of_a) == 13
    sequencers = [r["s3"]["object"]["sequencer"] for r in of_a]
    assert all(s and all(c in "0123456789ABCDEF" for c in s) for s in sequencers), sequencers
    # Larger with every write, as numbers: "FF" is before "100" though not as text.
    assert [int(s, 16) for s in sequencers] == sorted(int(s, 16) for s in sequencers)
    assert len(set(sequencers)) == len(sequencers)
    assert len({len(s) for s in sequencers}) > 1, "lengths differ, as S3's do: readers must left-pad"
    removal = of_a[-1]
    assert removal["eventName"] == "ObjectRemoved:Delete"
    assert "size" not in removal["s3"]["object"], "S3's removal records carry no size"
    assert of_a[0]["s3"]["object"]["size"] == 0 and of_a[1]["s3"]["object"]["size"] == 1
    batch_removed = [r for r in found if r["eventName"].startswith("ObjectRemoved") and "other-0" in r["s3"]["object"]["key"]]
    assert len(batch_removed) == 1 and batch_removed[0]["s3"]["object"]["sequencer"]
