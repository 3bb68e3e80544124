"""The FolderLayout parameter (docs/principal-tags.md), for each of its three values in
each install mode, checked offline with tests/template/stack_conditions.py:

* identity-id (the default) adds nothing: no principal-tag map, no sts:TagSession, no
  users/ grant, notification or rule pattern;
* sub and both: the created identity pool maps the token's ``sub`` to the principal tag
  ``sub`` for its user-pool provider, after the role; the created role's one trust
  statement also allows sts:TagSession, under the same aud/amr conditions; Get, Put,
  Delete (and the owner tags' read) on ``users/${aws:PrincipalTag/sub}/*`` and List
  with an s3:prefix condition, on the bucket in use, for the role in use (the adopted
  role through the stack's own managed policy); the users/ prefix in the bucket's
  notification (created bucket) or the EventBridge rule (adopted bucket); object-owner
  gets the setting and may tag users/ objects; the output names the layout;
* in adopt mode the stack creates no tag map (the team's identity pool is changed by
  `cognito-bridge adopt --folder-layout`, read-merge-write).

Every check is proven able to fail by a mutation of the template text.

    .venv/bin/python -m pytest tests/template/test_folder_layout.py
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
LAYOUTS = ("identity-id", "sub", "both")
TAG = "${aws:PrincipalTag/sub}"
CREATED_OBJECTS = "arn:${AWS::Partition}:s3:::${Bucket}/users/${!aws:PrincipalTag/sub}/*"
ADOPTED_OBJECTS = "arn:${AWS::Partition}:s3:::${ExistingBucketName}/users/${!aws:PrincipalTag/sub}/*"
LIST_CONDITION = json.dumps({"StringLike": {"s3:prefix": [f"users/{TAG}/", f"users/{TAG}/*"]}}, sort_keys=True)
OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging")


def stack(text: str, mode: str, layout: str, **more: str) -> tuple[frozenset[str], dict, dict]:
    template = t.decode(text)
    overrides = dict(sc.MODES[mode], FolderLayout=layout, **more)
    assert not sc.rule_failures(template, overrides), f"{mode}/{layout} is refused"
    holding = sc.true_conditions(template, overrides)
    return holding, sc.present(template["Resources"], holding), sc.present(template.get("Outputs", {}), holding)


def policy_grants(document: dict) -> set[tuple[str, str, str]]:
    found = set()
    for statement in t.as_list(document["Statement"]):
        assert statement["Effect"] == "Allow"
        for action in t.as_list(statement["Action"]):
            for resource in t.as_list(statement["Resource"]):
                found.add((action, t.render(resource), json.dumps(statement.get("Condition", {}), sort_keys=True)))
    return found


def mentions_users_prefix(value) -> bool:
    return "users/" in json.dumps(value)


def check_the_parameter(text: str) -> None:
    parameter = t.decode(text)["Parameters"]["FolderLayout"]
    assert parameter["Type"] == "String" and parameter["Default"] == "identity-id"
    assert parameter["AllowedValues"] == list(LAYOUTS)


def check_identity_id_adds_nothing(text: str) -> None:
    for mode in sc.MODES:
        holding, resources, _ = stack(text, mode, "identity-id")
        assert "SubPrincipalTag" not in resources and "SubFolderPolicy" not in resources, mode
        assert not any(r["Type"] == "AWS::Cognito::IdentityPoolPrincipalTag" for r in resources.values()), mode
        assert not mentions_users_prefix(resources), f"{mode}: a users/ grant or pattern without the sub layout"
        if "AuthenticatedRole" in resources:
            (trust,) = t.as_list(resources["AuthenticatedRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"])
            assert t.as_list(trust["Action"]) == ["sts:AssumeRoleWithWebIdentity"]


def check_created_pool_maps_sub_to_the_tag(text: str) -> None:
    for layout in ("sub", "both"):
        _, resources, _ = stack(text, "create", layout)
        tag = resources["SubPrincipalTag"]
        assert tag["Type"] == "AWS::Cognito::IdentityPoolPrincipalTag"
        p = tag["Properties"]
        assert t.render(p["IdentityPoolId"]) == "${IdentityPool}"
        assert t.render(p["IdentityProviderName"]) == "${UserPool.ProviderName}"
        assert p["PrincipalTags"] == {"sub": "sub"}, "one entry: the tag sub holds the claim sub"
        assert p.get("UseDefaults", False) is False, "the default map (username, client id) is not ours"
        # The trust policy allows sts:TagSession before Cognito tags sessions.
        assert "AuthenticatedRole" in t.as_list(tag.get("DependsOn", []))


def check_created_role_trust_allows_tag_session(text: str) -> None:
    for layout in ("sub", "both"):
        _, resources, _ = stack(text, "create", layout)
        (trust,) = t.as_list(resources["AuthenticatedRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"])
        assert trust["Effect"] == "Allow" and trust["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
        assert sorted(t.as_list(trust["Action"])) == ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
        condition = trust["Condition"]
        assert set(condition) == {"StringEquals", "ForAnyValue:StringLike"}
        assert t.render(condition["StringEquals"]["cognito-identity.amazonaws.com:aud"]) == "${IdentityPool}"
        assert condition["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"] == "authenticated"


def check_sub_folder_grants(text: str) -> None:
    cases = {
        "create": ("${AuthenticatedRole}", CREATED_OBJECTS, "${Bucket.Arn}"),
        "adopt-identity": ("${ExistingAuthenticatedRoleName}", CREATED_OBJECTS, "${Bucket.Arn}"),
        "adopt": ("${ExistingAuthenticatedRoleName}", ADOPTED_OBJECTS, "arn:${AWS::Partition}:s3:::${ExistingBucketName}"),
    }
    for mode, (role, objects, bucket) in cases.items():
        for layout in ("sub", "both"):
            _, resources, _ = stack(text, mode, layout)
            policy = resources["SubFolderPolicy"]
            assert policy["Type"] == "AWS::IAM::ManagedPolicy"
            assert [t.render(r) for r in policy["Properties"]["Roles"]] == [role], f"{mode}/{layout}"
            expected = {(action, objects, "{}") for action in OBJECT_ACTIONS} | {("s3:ListBucket", bucket, LIST_CONDITION)}
            assert policy_grants(policy["Properties"]["PolicyDocument"]) == expected, f"{mode}/{layout}"
            # Nothing but the stack's own policy changes on an adopted role.
            if mode != "create":
                assert "AuthenticatedRole" not in resources and "SubPrincipalTag" not in resources


def check_object_events_include_users(text: str) -> None:
    for layout in ("sub", "both"):
        _, resources, _ = stack(text, "create", layout)
        configurations = resources["Bucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
        seen = {(c["Event"], c["Filter"]["S3Key"]["Rules"][0]["Value"]) for c in configurations}
        for c in configurations:
            assert t.render(c["Queue"]) == "${ObjectEventsQueue.Arn}"
            assert c["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": c["Filter"]["S3Key"]["Rules"][0]["Value"]}]
        assert seen == {(event, prefix) for event in ("s3:ObjectCreated:*", "s3:ObjectRemoved:*") for prefix in ("private/", "users/")}
        _, adopted, _ = stack(text, "adopt", layout)
        pattern = adopted["ObjectEventsRule"]["Properties"]["EventPattern"]
        assert pattern["detail"]["object"]["key"] == [{"prefix": "private/"}, {"prefix": "users/"}]
        assert pattern["detail-type"] == ["Object Created", "Object Deleted"]


def check_object_owner_gets_the_layout(text: str) -> None:
    for mode in sc.MODES:
        for layout in LAYOUTS:
            _, resources, outputs = stack(text, mode, layout)
            variables = resources["ObjectOwnerFunction"]["Properties"]["Environment"]["Variables"]
            assert t.render(variables["FOLDER_LAYOUT"]) == "${FolderLayout}"
            assert t.render(outputs["FolderLayout"]["Value"]) == "${FolderLayout}"
            tagging = t.allow_grants(resources["ObjectOwnerFunctionRole"]["Properties"], frozenset())
            users = {g for g in tagging if "/users/" in g[1]}
            if layout == "identity-id":
                assert not users, f"{mode}: object-owner may tag users/ without the sub layout"
            else:
                bucket = "${Bucket.Arn}" if mode != "adopt" else "arn:${AWS::Partition}:s3:::${ExistingBucketName}"
                assert users == {(a, f"{bucket}/users/*", "{}") for a in ("s3:GetObjectTagging", "s3:PutObjectTagging")}, f"{mode}/{layout}"


def check_sub_folder_usernames_are_opt_in(text: str) -> None:
    parameter = t.decode(text)["Parameters"]["SubFolderOwnerUsername"]
    assert parameter["Default"] == "off" and parameter["AllowedValues"] == ["off", "on"]
    user_items = ("dynamodb:GetItem", "${DirectoryTable.Arn}", json.dumps({"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["user#*"]}}, sort_keys=True))
    for mode in sc.MODES:
        for layout in LAYOUTS:
            for asked in ("off", "on"):
                _, resources, _ = stack(text, mode, layout, SubFolderOwnerUsername=asked)
                variables = resources["ObjectOwnerFunction"]["Properties"]["Environment"]["Variables"]
                on = asked == "on" and layout != "identity-id"
                assert variables["SUB_FOLDER_OWNER_USERNAME"] == ("on" if on else "off"), f"{mode}/{layout}/{asked}"
                pool = "${UserPool}" if mode == "create" else "${ExistingUserPoolId}"
                assert t.render(variables["USER_POOL_ID"]) == pool
                grants = t.allow_grants(resources["ObjectOwnerFunctionRole"]["Properties"], frozenset())
                assert (user_items in grants) == on, f"{mode}/{layout}/{asked}: user items readable only when on"
                assert not any('"user#' in g[2] and g[0] != "dynamodb:GetItem" for g in grants), "user items are only read"


CHECKS = [v for k, v in sorted(globals().items()) if k.startswith("check_")]


@pytest.fixture(scope="module")
def template_text() -> str:
    return TEMPLATE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
def test_folder_layout(check, template_text):
    check(template_text)


MUTATIONS = [
    (check_the_parameter, "    Default: identity-id\n    AllowedValues: [identity-id, sub, both]\n", "    Default: sub\n    AllowedValues: [identity-id, sub, both]\n"),
    (check_identity_id_adds_nothing, "  HasSubFolders: !Not [!Equals [!Ref FolderLayout, identity-id]]\n", "  HasSubFolders: !Not [!Equals [!Ref FolderLayout, x]]\n"),
    (check_created_pool_maps_sub_to_the_tag, "        sub: sub\n", "        sub: email\n"),
    (check_created_pool_maps_sub_to_the_tag, "      UseDefaults: false\n      PrincipalTags:", "      UseDefaults: true\n      PrincipalTags:"),
    (check_created_pool_maps_sub_to_the_tag, "    Condition: CreatesSubPrincipalTag\n    DependsOn: AuthenticatedRole\n", "    Condition: CreatesSubPrincipalTag\n"),
    (check_created_role_trust_allows_tag_session, "[sts:AssumeRoleWithWebIdentity, sts:TagSession]", "[sts:AssumeRoleWithWebIdentity]"),
    (check_sub_folder_grants, "              - !Sub arn:${AWS::Partition}:s3:::${Bucket}/users/${!aws:PrincipalTag/sub}/*\n",
     "              - !Sub arn:${AWS::Partition}:s3:::${Bucket}/users/*\n"),
    (check_sub_folder_grants, "                  - users/${aws:PrincipalTag/sub}/*\n", "                  - users/*\n"),
    (check_sub_folder_grants, "      Roles: [!If [CreatesIdentityPool, !Ref AuthenticatedRole, !Ref ExistingAuthenticatedRoleName]]\n",
     "      Roles: [!If [CreatesIdentityPool, !Ref AuthenticatedRole, !Ref AWS::NoValue]]\n"),
    (check_object_events_include_users,
     '            - { Event: "s3:ObjectRemoved:*", Queue: !GetAtt ObjectEventsQueue.Arn, Filter: { S3Key: { Rules: [{ Name: prefix, Value: users/ }] } } }\n',
     '            - { Event: "s3:ObjectCreated:*", Queue: !GetAtt ObjectEventsQueue.Arn, Filter: { S3Key: { Rules: [{ Name: prefix, Value: users/ }] } } }\n'),
    (check_object_events_include_users, "[{ prefix: private/ }, { prefix: users/ }], [{ prefix: private/ }]]", "[{ prefix: private/ }], [{ prefix: private/ }]]"),
    (check_object_owner_gets_the_layout, "                    - !Sub ${Bucket.Arn}/users/*\n", "                    - !Sub ${Bucket.Arn}/*\n"),
    (check_object_owner_gets_the_layout, "          FOLDER_LAYOUT: !Ref FolderLayout\n", ""),
    (check_sub_folder_usernames_are_opt_in, "  TagsSubFolderUsernames: !And [!Condition HasSubFolders, !Equals [!Ref SubFolderOwnerUsername, \"on\"]]\n",
     "  TagsSubFolderUsernames: !Equals [!Ref SubFolderOwnerUsername, \"on\"]\n"),
    (check_sub_folder_usernames_are_opt_in, '                      dynamodb:LeadingKeys: ["user#*"]\n', '                      dynamodb:LeadingKeys: ["*"]\n'),
]


@pytest.mark.parametrize(
    "check, old, new",
    MUTATIONS,
    ids=[f"{i:02d}-{c.__name__.removeprefix('check_')}" for i, (c, _, _) in enumerate(MUTATIONS)],
)
def test_check_fails_on_mutated_template(check, old, new, template_text):
    assert template_text.count(old) == 1, f"mutation no longer applies: {old!r}"
    with pytest.raises((AssertionError, KeyError)):
        check(template_text.replace(old, new))


def test_every_check_has_a_mutation():
    assert {c for c, _, _ in MUTATIONS} == set(CHECKS)
