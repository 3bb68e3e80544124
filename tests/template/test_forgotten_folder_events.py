"""object-owner and late events of a forgotten user's folder (docs/forget.md), checked
offline in every mode, folder layout and ``ForgetObjects`` value.

* ``ObjectOwnerFunction`` reads ``FORGET_OBJECTS`` from the same ``ForgetObjects``
  parameter as ``ForgetFunction``: one setting says what happens to a forgotten folder,
  whether the forget or a late event meets its objects;
* ``ObjectOwnerFunctionRole`` may delete objects (``s3:DeleteObject``,
  ``s3:DeleteObjectVersion``) only with ``ForgetObjects=delete``, and only under
  ``private/`` of the bucket in use: a ``users/<sub>/`` key names a ``sub``, never a
  forgotten IdentityId, so no folder layout adds a delete there;
* it may read a forgotten IdentityId's tombstone (``GetItem`` on ``forgotten-identity#``
  keys) and nothing else of a forgotten user: no write to any tombstone, no read of a
  user's tombstone (``forgotten#``).

Every check is proven able to fail by a mutation.

    .venv/bin/python -m pytest tests/template/test_forgotten_folder_events.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack_conditions as sc  # noqa: E402
import test_template as t  # noqa: E402

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
EXISTING_BUCKET_ARN = "arn:${AWS::Partition}:s3:::${ExistingBucketName}"
BUCKET_ARN = {"create": "${Bucket.Arn}", "adopt-identity": "${Bucket.Arn}", "adopt": EXISTING_BUCKET_ARN}
LAYOUTS = ("identity-id", "sub", "both")
OBJECT_DELETES = {"s3:DeleteObject", "s3:DeleteObjectVersion"}
TOMBSTONE_READ = json.dumps(
    {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["forgotten-identity#*"]}}, sort_keys=True
)


def stacks(text: str):
    """(mode, layout, ForgetObjects, holding conditions, present resources) for each set."""
    template = t.decode(text)
    for mode, overrides in sc.MODES.items():
        for layout in LAYOUTS:
            for objects in ("keep", "delete"):
                parameters = {**overrides, "FolderLayout": layout, "ForgetObjects": objects}
                holding = sc.true_conditions(template, parameters)
                yield mode, layout, objects, holding, sc.present(template["Resources"], holding)


def owner_grants(resources: dict, holding: frozenset[str]) -> set[tuple[str, str, str]]:
    return t.allow_grants(resources["ObjectOwnerFunctionRole"]["Properties"], holding)


def check_object_owner_reads_the_forget_objects_setting(text: str) -> None:
    for mode, layout, objects, holding, resources in stacks(text):
        variables = sc.resolved(resources["ObjectOwnerFunction"]["Properties"]["Environment"]["Variables"], holding)
        forget = sc.resolved(resources["ForgetFunction"]["Properties"]["Environment"]["Variables"], holding)
        assert t.render(variables.get("FORGET_OBJECTS")) == "${ForgetObjects}", (mode, layout, objects)
        assert t.render(variables["FORGET_OBJECTS"]) == t.render(forget["FORGET_OBJECTS"]), "one setting for both"


def check_object_owner_deletes_only_new_private_objects_and_only_with_delete(text: str) -> None:
    for mode, layout, objects, holding, resources in stacks(text):
        deletes = {g for g in owner_grants(resources, holding) if g[0].startswith("s3:") and "Delete" in g[0]}
        expected = (
            {(action, BUCKET_ARN[mode] + "/private/*", "{}") for action in OBJECT_DELETES}
            if objects == "delete"
            else set()
        )
        assert deletes == expected, (mode, layout, objects, deletes)
        assert not any("/users/" in resource for _, resource, _ in deletes), "users/<sub>/ names no forgotten IdentityId"


def check_object_owner_reads_only_the_forgotten_identity_tombstone(text: str) -> None:
    for mode, layout, objects, holding, resources in stacks(text):
        grants = owner_grants(resources, holding)
        tombstones = {g for g in grants if "forgotten" in g[2]}
        assert tombstones == {("dynamodb:GetItem", t.DIRECTORY_TABLE_ARN, TOMBSTONE_READ)}, (mode, layout, objects)
        for action, _, condition in grants:
            if action.startswith("dynamodb:") and condition != "{}":
                keys = json.loads(condition)["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                assert not any(key.startswith("forgotten#") for key in keys), f"{action}: a user's tombstone"


CHECKS = [v for k, v in sorted(globals().items()) if k.startswith("check_")]


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=[c.__name__.removeprefix("check_") for c in CHECKS])
def test_forgotten_folder_events(check, template_text):
    check(template_text)


OWNER_DELETE = (
    "              - !If\n"
    "                - DeletesForgottenObjects  # ForgetObjects=delete\n"
    "                - Effect: Allow\n"
    "                  Action: [s3:DeleteObject, s3:DeleteObjectVersion]\n"
    "                  Resource: !If\n"
    "                    - CreatesBucket\n"
    '                    - !Sub "${Bucket.Arn}/private/*"\n'
)
OWNER_TOMBSTONE = (
    "              - Effect: Allow\n"
    "                Action: dynamodb:GetItem\n"
    "                Resource: !GetAtt DirectoryTable.Arn\n"
    "                Condition:\n"
    "                  ForAllValues:StringLike:\n"
    '                    dynamodb:LeadingKeys: ["forgotten-identity#*"]\n'
)
OWNER_FORGET_OBJECTS = (
    "          # user's folder is never tagged nor counted, and with delete its object is deleted.\n"
    "          FORGET_OBJECTS: !Ref ForgetObjects  # the forget function's setting\n"
)

MUTATIONS = [
    (check_object_owner_reads_the_forget_objects_setting, OWNER_FORGET_OBJECTS, ""),
    (check_object_owner_reads_the_forget_objects_setting, OWNER_FORGET_OBJECTS, OWNER_FORGET_OBJECTS.replace("!Ref ForgetObjects", "delete")),
    (check_object_owner_deletes_only_new_private_objects_and_only_with_delete, OWNER_DELETE, OWNER_DELETE.replace("DeletesForgottenObjects", "CreatesBucket")),
    (check_object_owner_deletes_only_new_private_objects_and_only_with_delete, OWNER_DELETE, OWNER_DELETE.replace('"${Bucket.Arn}/private/*"', '"${Bucket.Arn}/*"')),
    (check_object_owner_deletes_only_new_private_objects_and_only_with_delete, OWNER_DELETE, OWNER_DELETE.replace("[s3:DeleteObject, s3:DeleteObjectVersion]", "[s3:DeleteObject]")),
    (check_object_owner_reads_only_the_forgotten_identity_tombstone, OWNER_TOMBSTONE, ""),
    (check_object_owner_reads_only_the_forgotten_identity_tombstone, OWNER_TOMBSTONE, OWNER_TOMBSTONE.replace("dynamodb:GetItem", "[dynamodb:GetItem, dynamodb:PutItem]")),
    (check_object_owner_reads_only_the_forgotten_identity_tombstone, OWNER_TOMBSTONE, OWNER_TOMBSTONE.replace('["forgotten-identity#*"]', '["forgotten-identity#*", "forgotten#*"]')),
]


@pytest.mark.parametrize(
    "check, old, new",
    MUTATIONS,
    ids=[f"{i:02d}-{c.__name__.removeprefix('check_')}" for i, (c, _, _) in enumerate(MUTATIONS)],
)
def test_check_fails_on_mutated_template(check, old, new, template_text):
    assert template_text.count(old) == 1, f"mutation anchor not found exactly once: {old!r}"
    with pytest.raises(AssertionError):
        check(template_text.replace(old, new))


def test_every_check_has_a_mutation():
    assert {c for c, _, _ in MUTATIONS} == set(CHECKS)
