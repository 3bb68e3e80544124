"""The emulator's S3 answers SlowDown (503) and InternalError (500) as S3 does, when a test
arms a fault for a bucket and an operation (moto alone never does)."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parent))
import s3_faults  # noqa: E402


def control(endpoint: str, method: str, body: dict | None = None, query: str = "") -> dict:
    request = urllib.request.Request(
        f"{endpoint}/_emulator/s3-faults{query}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def s3(endpoint):
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, s3={"addressing_style": "path"}),
    )
    for bucket in ("faults-a", "faults-b"):
        client.create_bucket(Bucket=bucket)
        for n in range(4):
            client.put_object(Bucket=bucket, Key=f"private/f-{n}.txt", Body=b"x")
    return client


@pytest.fixture(autouse=True)
def cleared(endpoint):
    control(endpoint, "DELETE")
    yield
    control(endpoint, "DELETE")


def tag(client, bucket: str, n: int):
    return client.put_object_tagging(
        Bucket=bucket, Key=f"private/f-{n}.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})


def test_a_fault_strikes_after_the_requests_it_lets_through_and_only_its_bucket_and_operation(endpoint, s3):
    control(endpoint, "POST", {"bucket": "faults-a", "operation": "PutObjectTagging", "after": 2, "count": 1})
    tag(s3, "faults-a", 0)
    tag(s3, "faults-a", 1)
    with pytest.raises(ClientError) as raised:
        tag(s3, "faults-a", 2)
    error = raised.value.response
    assert error["Error"]["Code"] == "SlowDown"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert error["Error"]["Message"] == "Please reduce your request rate."
    # The fault is used up; other buckets and operations were never touched.
    tag(s3, "faults-a", 2)
    tag(s3, "faults-b", 0)
    s3.get_object_tagging(Bucket="faults-a", Key="private/f-0.txt")
    (fault,) = control(endpoint, "GET")["faults"]
    assert (fault["seen"], fault["injected"]) == (4, 1)
    calls = [c for c in json.loads(urllib.request.urlopen(f"{endpoint}/_emulator/calls").read())["calls"]
             if c.get("fault")]
    assert calls and calls[-1]["fault"] == "SlowDown" and calls[-1]["service"] == "s3"


def test_without_a_count_every_later_request_fails_until_cleared(endpoint, s3):
    control(endpoint, "POST", {"bucket": "faults-b", "operation": "DeleteObjects", "kind": "internal"})
    for _ in range(3):
        with pytest.raises(ClientError) as raised:
            s3.delete_objects(Bucket="faults-b", Delete={"Objects": [{"Key": "private/f-3.txt"}]})
        assert raised.value.response["Error"]["Code"] == "InternalError"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    control(endpoint, "DELETE", query="?bucket=faults-b")
    s3.delete_objects(Bucket="faults-b", Delete={"Objects": [{"Key": "private/f-3.txt"}]})
    assert "Contents" not in s3.list_objects_v2(Bucket="faults-b", Prefix="private/f-3")


def test_listings_are_told_apart(endpoint, s3):
    control(endpoint, "POST", {"bucket": "faults-a", "operation": "ListObjectVersions", "count": 1})
    s3.list_objects_v2(Bucket="faults-a", Prefix="private/")
    with pytest.raises(ClientError):
        s3.list_object_versions(Bucket="faults-a", Prefix="private/")
    s3.list_object_versions(Bucket="faults-a", Prefix="private/")


@pytest.mark.parametrize("request_body", [
    {"operation": "PutObjectTagging"},
    {"bucket": "b", "operation": "CopyEverything"},
    {"bucket": "b", "operation": "DeleteObject", "after": -1},
    {"bucket": "b", "operation": "DeleteObject", "kind": "teapot"},
    {"bucket": "b", "operation": "DeleteObject", "surprise": 1},
])
def test_a_bad_fault_is_refused_with_a_reason(endpoint, request_body):
    with pytest.raises(urllib.error.HTTPError) as refused:
        control(endpoint, "POST", request_body)
    assert refused.value.code == 400
    assert "error" in json.loads(refused.value.read())


def test_operations_are_named_as_s3_names_them():
    cases = {
        ("GET", "", "list-type=2&prefix=private%2F"): "ListObjectsV2",
        ("GET", "", "versions&prefix=p"): "ListObjectVersions",
        ("GET", "", "prefix=p"): "ListObjects",
        ("POST", "", "delete"): "DeleteObjects",
        ("GET", "k", "tagging"): "GetObjectTagging",
        ("PUT", "k", "tagging"): "PutObjectTagging",
        ("DELETE", "k", "tagging"): "DeleteObjectTagging",
        ("DELETE", "k", "versionId=v1"): "DeleteObject",
        ("PUT", "k", "x-id=PutObject"): "PutObject",
        ("HEAD", "k", ""): "HeadObject",
        ("PUT", "k", "uploads"): None,
        ("GET", "", "notification"): None,
    }
    for (method, key, query), operation in cases.items():
        assert s3_faults.operation_of(method, key, query) == operation, (method, key, query)
    assert s3_faults.bucket_and_key("/b-1/private/a%3Ab/c.txt", "127.0.0.1:4566") == ("b-1", "private/a:b/c.txt")
    assert s3_faults.bucket_and_key("/private/x", "b-1.localhost:4566") == ("b-1", "private/x")
