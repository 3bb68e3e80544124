"""What a signed-in user's identity pool credentials may do, checked offline.

The web app reads two things with the user's own credentials besides their private
folder: the owner tags object-owner writes on each of their objects, and their usage
counters, the ``identity#<IdentityId>`` item of the identity directory. This file pins
the AuthenticatedRole to exactly that least-privilege shape:

* S3: GetObject, PutObject, DeleteObject and GetObjectTagging on
  ``private/${cognito-identity.amazonaws.com:sub}/*`` only (never PutObjectTagging: the
  owner tags are object-owner's), and ListBucket only under that prefix;
* DynamoDB: GetItem only, on the directory table only, only where every partition key
  the request names is ``identity#${cognito-identity.amazonaws.com:sub}``
  (``ForAllValues:StringEquals`` on the multi-valued ``dynamodb:LeadingKeys``; GetItem
  always names its key, so the set is never empty);
* API Gateway: the two AWS_IAM routes.

Like tests/template/test_template.py, every check is proven able to fail by a mutation
of the template text.

    .venv/bin/python -m pytest tests/template/test_authenticated_role.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_template as t  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

SUB = "${cognito-identity.amazonaws.com:sub}"
# In a !Sub, "${!…}" is the literal "${…}" that IAM fills in per caller.
PRIVATE_OBJECTS = "arn:${AWS::Partition}:s3:::${Bucket}/private/${!cognito-identity.amazonaws.com:sub}/*"
LINK = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${StageName}/POST/link"
WHOAMI_IAM = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/${StageName}/GET/iam/whoami"
PREFIX_CONDITION = {"StringLike": {"s3:prefix": [f"private/{SUB}/", f"private/{SUB}/*"]}}
OWN_USAGE_CONDITION = {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [f"identity#{SUB}"]}}

EXPECTED = {
    ("execute-api:Invoke", LINK, "{}"),
    ("execute-api:Invoke", WHOAMI_IAM, "{}"),
    ("s3:GetObject", PRIVATE_OBJECTS, "{}"),
    ("s3:PutObject", PRIVATE_OBJECTS, "{}"),
    ("s3:DeleteObject", PRIVATE_OBJECTS, "{}"),
    ("s3:GetObjectTagging", PRIVATE_OBJECTS, "{}"),
    ("s3:ListBucket", "${Bucket.Arn}", json.dumps(PREFIX_CONDITION, sort_keys=True)),
    ("dynamodb:GetItem", "${DirectoryTable.Arn}", json.dumps(OWN_USAGE_CONDITION, sort_keys=True)),
}


def role(text: str) -> dict:
    return t.props(t.decode(text), "AuthenticatedRole")


def grants(properties: dict) -> set[tuple[str, str, str]]:
    """(action, resource, condition JSON) of every statement, each one an Allow with only
    the keys IAM needs here."""
    for policy in properties.get("Policies", []):
        for statement in t.as_list(policy["PolicyDocument"]["Statement"]):
            assert set(statement) <= {"Effect", "Action", "Resource", "Condition", "Sid"}, statement
    return t.allow_grants(properties)


def check_exact_grants(text: str) -> None:
    properties = role(text)
    assert grants(properties) == EXPECTED
    assert "ManagedPolicyArns" not in properties and "PermissionsBoundary" not in properties


def check_owner_tags_read_only(text: str) -> None:
    actions = {action for action, _, _ in grants(role(text))}
    assert "s3:GetObjectTagging" in actions
    assert not actions & {"s3:PutObjectTagging", "s3:DeleteObjectTagging", "s3:PutObjectVersionTagging"}, (
        "the owner tags are object-owner's to write"
    )


def check_directory_reads_are_the_callers_own_item(text: str) -> None:
    # One GetItem, on the table, keyed by the caller's own identity item alone: no
    # wildcard, no user# item, never without the condition.
    directory = [g for g in grants(role(text)) if "DirectoryTable" in g[1] or g[0].startswith("dynamodb:")]
    assert directory == [("dynamodb:GetItem", "${DirectoryTable.Arn}", json.dumps(OWN_USAGE_CONDITION, sort_keys=True))]


CHECKS = [check_exact_grants, check_owner_tags_read_only, check_directory_reads_are_the_callers_own_item]


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_authenticated_role(check, template_text):
    check(template_text)


# AuthenticatedRole's lines (ExistingAuthenticatedRolePolicy's, less indented, are
# test_adopt_mode.py's).
OWN_OBJECTS = "                Action: [s3:GetObject, s3:PutObject, s3:DeleteObject, s3:GetObjectTagging]\n"
OWN_USAGE = '                    dynamodb:LeadingKeys: ["identity#${cognito-identity.amazonaws.com:sub}"]\n'
MUTATIONS = [
    (check_exact_grants, OWN_USAGE, '                    dynamodb:LeadingKeys: ["identity#*"]\n'),
    (check_exact_grants, "                  ForAllValues:StringEquals:\n", "                  ForAnyValue:StringLike:\n"),
    (check_exact_grants, "                Action: dynamodb:GetItem\n                Resource: !GetAtt DirectoryTable.Arn\n                Condition:\n                  ForAllValues:StringEquals:",
     "                Action: [dynamodb:GetItem, dynamodb:Query]\n                Resource: !GetAtt DirectoryTable.Arn\n                Condition:\n                  ForAllValues:StringEquals:"),
    (check_exact_grants, OWN_OBJECTS, "                Action: [s3:GetObject, s3:PutObject, s3:DeleteObject]\n"),
    (check_owner_tags_read_only, OWN_OBJECTS, "                Action: [s3:GetObject, s3:PutObject, s3:DeleteObject, s3:GetObjectTagging, s3:PutObjectTagging]\n"),
    (check_owner_tags_read_only, OWN_OBJECTS, "                Action: [s3:GetObject, s3:PutObject, s3:DeleteObject]\n"),
    (check_directory_reads_are_the_callers_own_item, OWN_USAGE, '                    dynamodb:LeadingKeys: ["user#*"]\n'),
    (check_directory_reads_are_the_callers_own_item,
     "                Condition:\n                  ForAllValues:StringEquals:\n" + OWN_USAGE, ""),
]


@pytest.mark.parametrize("check, old, new", MUTATIONS, ids=[f"{i:02d}-{c.__name__.removeprefix('check_')}" for i, (c, _, _) in enumerate(MUTATIONS)])
def test_check_fails_on_mutated_template(check, old, new, template_text):
    assert template_text.count(old) == 1, f"mutation no longer applies: {old!r}"
    with pytest.raises(AssertionError):
        check(template_text.replace(old, new))


def test_every_check_has_a_mutation():
    assert {c for c, _, _ in MUTATIONS} == set(CHECKS)
