"""require_scope / require_group, and bad input: a clear error, never a crash."""

import copy
import dataclasses

import pytest

from cognito_bridge_identity import AccessDenied, NoCallerIdentity, caller_identity
from shared_fixtures import EVENTS, EXPECTED, load

COMMA_GROUP = EXPECTED / "extra" / "rest-lambda-authorizer-group-with-comma.event.json"


def test_a_group_name_with_a_comma_is_not_two_groups() -> None:
    caller = caller_identity(load(COMMA_GROUP))
    assert caller.groups == ("ops,admins", "readers")
    caller.require_group("ops,admins")
    with pytest.raises(AccessDenied) as raised:
        caller.require_group("admins")
    assert (raised.value.status, raised.value.code) == (403, "missing_group")
    assert str(raised.value) == "not in user pool group admins: the token's groups do not list it"


def test_require_scope_says_why_for_each_kind_of_caller() -> None:
    access = caller_identity(load(COMMA_GROUP))
    access.require_scope("orders/write")
    with pytest.raises(AccessDenied, match="^missing OAuth scope orders/read: the access token does not grant it$"):
        access.require_scope("orders/read")
    with pytest.raises(AccessDenied, match="Orders/Write"):
        access.require_scope("Orders/Write")
    id_token = caller_identity(load(EVENTS / "whoami-rest-cognito-authorizer.json"))
    with pytest.raises(AccessDenied, match="id tokens carry no OAuth scopes; call with an access token$"):
        id_token.require_scope("orders/write")
    iam = caller_identity(load(EVENTS / "whoami-rest-iam.json"))
    with pytest.raises(AccessDenied, match="IAM auth carries no OAuth scopes$"):
        iam.require_scope("orders/write")
    with pytest.raises(AccessDenied, match="IAM auth carries no user pool groups$"):
        iam.require_group("admins")
    unknown = dataclasses.replace(access, token_use=None, scopes=())
    with pytest.raises(AccessDenied, match="the request names no OAuth scopes$"):
        unknown.require_scope("orders/write")


def test_the_caller_is_immutable() -> None:
    caller = caller_identity(load(EVENTS / "whoami-rest-iam.json"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        caller.sub = "someone-else"  # type: ignore[misc]


def test_groups_read_only_in_the_json_array_form() -> None:
    event = load(EVENTS / "whoami-rest-lambda-authorizer.json")
    for groups, expected in [('["admins","readers"]', ("admins", "readers")), ("[]", ()), (" ", ()), (["a,b"], ("a,b",))]:
        event["requestContext"]["authorizer"]["groups"] = groups
        assert caller_identity(event).groups == expected, groups
    del event["requestContext"]["authorizer"]["groups"]
    assert caller_identity(event).groups == ()


@pytest.mark.parametrize(
    "groups", ["admins,readers", "ops,admins", "[ops,admins]", '["admins"', '["admins", 3]', '[{"a": 1}]', '{"a":1}', "[1]", True, 3]
)
def test_groups_in_any_other_form_are_a_clear_error(groups: object) -> None:
    event = load(EVENTS / "whoami-http-api-lambda-authorizer.json")
    event["requestContext"]["authorizer"]["lambda"]["groups"] = groups
    with pytest.raises(NoCallerIdentity) as raised:
        caller_identity(event)
    assert (raised.value.reason, raised.value.status) == ("malformed", 403)
    assert str(raised.value) == "the request context has an invalid authorizer groups"


def test_the_identity_id_claim_is_read_beside_the_custom_attribute() -> None:
    event = load(EVENTS / "whoami-rest-cognito-authorizer.json")
    claims = event["requestContext"]["authorizer"]["claims"]
    claims["identity_id"] = claims.pop("custom:identity_id")
    caller = caller_identity(event)
    assert (caller.identity_id, caller.linked) == ("us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6", True)
    claims.pop("identity_id")
    caller = caller_identity(event)
    assert (caller.identity_id, caller.linked) == (None, False)


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"requestContext": None},
        {"requestContext": "x"},
        {"version": "2.0", "requestContext": {"http": {}, "authorizer": {"iam": {"cognitoIdentity": None}}}},
        {"requestContext": {"authorizer": {"claims": "not an object"}}},
        {"requestContext": {"authorizer": {"sub": ""}}},
        {"requestContext": {"identity": {"cognitoIdentityId": "us-east-1:x", "cognitoAuthenticationProvider": "graph.facebook.com"}}},
    ],
)
def test_events_without_a_usable_identity_raise_no_caller_identity(event: dict) -> None:
    before = copy.deepcopy(event)
    with pytest.raises(NoCallerIdentity) as raised:
        caller_identity(event)
    assert raised.value.status in (401, 403)
    assert event == before, "reading changes nothing"


def test_error_messages_never_repeat_event_values() -> None:
    event = load(EVENTS / "whoami-http-api-iam.json")
    cognito = event["requestContext"]["authorizer"]["iam"]["cognitoIdentity"]
    cognito["amr"] = ["authenticated", "eyJraWQiOiJzZWNyZXQtdG9rZW4ifQ:CognitoSignIn:x"]
    with pytest.raises(NoCallerIdentity) as raised:
        caller_identity(event)
    assert "eyJ" not in str(raised.value) and raised.value.reason == "not_a_user_pool_login"
