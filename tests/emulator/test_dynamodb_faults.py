"""The emulator's DynamoDB answers contention and throttling as DynamoDB does, when a
test asks it to (moto alone never does)."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parent))
import dynamodb_faults  # noqa: E402


def control(endpoint: str, method: str, body: dict | None = None, query: str = "") -> dict:
    request = urllib.request.Request(
        f"{endpoint}/_emulator/dynamodb-faults{query}", method=method,
        data=json.dumps(body).encode() if body is not None else None,
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def dynamodb(endpoint):
    client = boto3.client(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    for table in ("faults-a", "faults-b"):
        client.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )
    return client


def add(client, table: str, pk: str):
    return client.update_item(
        TableName=table, Key={"pk": {"S": pk}},
        UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}},
    )


def transaction(client, table: str, *pks: str):
    return client.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": {"pk": {"S": pk}}, "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}}
        for pk in pks
    ])


def code(error: ClientError) -> str:
    return error.response["Error"]["Code"]


def test_throttling_at_a_set_rate_on_one_table_only(endpoint, dynamodb):
    control(endpoint, "POST", {"table": "faults-a", "throttleRate": 1.0})
    codes = []
    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            dynamodb.get_item(TableName="faults-a", Key={"pk": {"S": "x"}})
        codes.append(code(raised.value))
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sorted(codes) == ["ProvisionedThroughputExceededException", "ThrottlingException"]
    add(dynamodb, "faults-b", "x")  # the other table is untouched
    assert control(endpoint, "GET", query="?table=faults-a")["injected"] == {"conflicts": 0, "throttles": 2}
    control(endpoint, "POST", {"table": "faults-a", "throttleRate": 0.25, "seed": 7})
    outcomes = []
    for _ in range(200):
        try:
            dynamodb.get_item(TableName="faults-a", Key={"pk": {"S": "x"}})
            outcomes.append(True)
        except ClientError:
            outcomes.append(False)
    assert 25 <= outcomes.count(False) <= 75, outcomes.count(False)
    control(endpoint, "POST", {"table": "faults-a"})
    dynamodb.get_item(TableName="faults-a", Key={"pk": {"S": "x"}})


def test_a_transaction_conflicts_with_any_write_in_progress_a_plain_write_only_with_a_transaction(endpoint, dynamodb):
    control(endpoint, "POST", {"table": "faults-a", "holdMs": 600})
    transaction(dynamodb, "faults-a", "t1", "t2")
    with pytest.raises(ClientError) as raised:
        add(dynamodb, "faults-a", "t2")  # the transaction is still changing t2
    assert code(raised.value) == "TransactionConflictException"
    add(dynamodb, "faults-a", "p1")
    add(dynamodb, "faults-a", "p1")  # two plain writes of one item never conflict
    with pytest.raises(ClientError) as raised:
        transaction(dynamodb, "faults-a", "other", "p1")
    assert code(raised.value) == "TransactionCanceledException"
    reasons = [reason["Code"] for reason in raised.value.response["CancellationReasons"]]
    assert reasons == ["None", "TransactionConflict"]
    time.sleep(0.7)
    transaction(dynamodb, "faults-a", "other", "p1")
    add(dynamodb, "faults-a", "t2")
    item = dynamodb.get_item(TableName="faults-a", Key={"pk": {"S": "p1"}}, ConsistentRead=True)["Item"]
    assert item["n"] == {"N": "3"}, "a refused write changed nothing"
    assert control(endpoint, "GET", query="?table=faults-a")["injected"]["conflicts"] == 2
    control(endpoint, "POST", {"table": "faults-a"})


def test_conflicts_at_a_set_rate(endpoint, dynamodb):
    control(endpoint, "POST", {"table": "faults-b", "conflictRate": 1.0})
    with pytest.raises(ClientError) as raised:
        add(dynamodb, "faults-b", "r")
    assert code(raised.value) == "TransactionConflictException"
    with pytest.raises(ClientError) as raised:
        transaction(dynamodb, "faults-b", "r", "s")
    assert [r["Code"] for r in raised.value.response["CancellationReasons"]] == ["TransactionConflict", "None"]
    dynamodb.get_item(TableName="faults-b", Key={"pk": {"S": "r"}})  # reads never conflict
    control(endpoint, "POST", {"table": "faults-b"})
    add(dynamodb, "faults-b", "r")


def test_bad_settings_are_refused_and_the_environment_sets_the_default(endpoint, monkeypatch):
    request = urllib.request.Request(
        f"{endpoint}/_emulator/dynamodb-faults", method="POST", data=json.dumps({"throttleRate": 2}).encode()
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 400
    monkeypatch.setenv("EMULATOR_DYNAMODB_FAULTS", '{"conflictRate": 0.5, "holdMs": 20}')
    faults = dynamodb_faults.DynamoDbFaults.from_env()
    assert faults.get("any-table")["settings"] == {"conflictRate": 0.5, "holdMs": 20.0}
