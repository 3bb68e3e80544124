"""The emulator keeps Cognito's app client and attribute rules (user_pool_rules.py).

Each test fails against plain moto: it merges UpdateUserPoolClient, lets a user write
any attribute, declared or not, puts every custom attribute in every id token and
returns every attribute from GetUser.
"""

from __future__ import annotations

import base64
import json
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

PASSWORD = "Correct-Horse-9-Battery"


def _client(endpoint: str, service: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def idp(endpoint):
    return _client(endpoint, "cognito-idp")


@pytest.fixture(scope="module")
def identity(endpoint):
    return _client(endpoint, "cognito-identity")


@pytest.fixture()
def pool_id(idp):
    return idp.create_user_pool(
        PoolName=f"rules-{uuid.uuid4().hex[:8]}",
        Schema=[
            {"Name": "email", "AttributeDataType": "String", "Mutable": True},
            {"Name": "identity_id", "AttributeDataType": "String", "Mutable": True},
        ],
    )["UserPool"]["Id"]


def new_client(idp, pool_id: str, **config) -> str:
    return idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", **config)["UserPoolClient"]["ClientId"]


def new_user(idp, pool_id: str, username: str = "ada", attributes: list | None = None) -> str:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        MessageAction="SUPPRESS",
        UserAttributes=attributes or [{"Name": "email", "Value": f"{username}@example.com"}],
    )
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)
    return username


def sign_in(idp, client_id: str, username: str) -> dict:
    return idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def error_of(call, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    return refused.value.response["Error"]["Code"], refused.value.response["Error"]["Message"]


# --------------------------------------------------------------------------
# UpdateUserPoolClient replaces the configuration
# --------------------------------------------------------------------------

FULL_CONFIG = {
    "RefreshTokenValidity": 10,
    "AccessTokenValidity": 5,
    "IdTokenValidity": 5,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "days"},
    "ReadAttributes": ["email", "email_verified", "custom:identity_id"],
    "WriteAttributes": ["email"],
    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "SupportedIdentityProviders": ["COGNITO"],
    "CallbackURLs": ["https://app.example.com/callback"],
    "LogoutURLs": ["https://app.example.com/"],
    "AllowedOAuthFlows": ["code"],
    "AllowedOAuthScopes": ["openid", "email"],
    "AllowedOAuthFlowsUserPoolClient": True,
    "PreventUserExistenceErrors": "ENABLED",
    "EnableTokenRevocation": False,
    "AuthSessionValidity": 10,
}

# What Cognito answers for fields that were reset (absent: not set).
RESET = {
    "RefreshTokenValidity": 30,
    "AuthSessionValidity": 3,
    "EnableTokenRevocation": True,
    "PreventUserExistenceErrors": "LEGACY",
    "AllowedOAuthFlowsUserPoolClient": False,
}


def test_update_user_pool_client_resets_every_field_it_is_not_sent(idp, pool_id):
    client_id = new_client(idp, pool_id, **FULL_CONFIG)
    idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, WriteAttributes=["email", "name"])
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert client["ClientId"] == client_id
    assert client["ClientName"] == "app"
    assert client["WriteAttributes"] == ["email", "name"]
    for field in ("ReadAttributes", "ExplicitAuthFlows", "CallbackURLs", "LogoutURLs", "AllowedOAuthFlows",
                  "AllowedOAuthScopes", "SupportedIdentityProviders", "AccessTokenValidity", "IdTokenValidity",
                  "TokenValidityUnits"):
        assert field not in client, f"{field} should have been reset"
    for field, value in RESET.items():
        assert client[field] == value, field


def test_read_merge_write_of_a_client_keeps_everything(idp, pool_id):
    """What adopt does: describe, change one list, send the whole configuration back."""
    client_id = new_client(idp, pool_id, **FULL_CONFIG)
    described = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    updatable = idp.meta.service_model.operation_model("UpdateUserPoolClient").input_shape.members
    request = {k: v for k, v in described.items() if k in updatable}
    request["WriteAttributes"] = ["email", "name"]
    idp.update_user_pool_client(**request)
    after = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    for field, value in FULL_CONFIG.items():
        if field != "WriteAttributes":
            assert after[field] == value, field
    assert after["WriteAttributes"] == ["email", "name"]


@pytest.mark.parametrize("lists", [{"WriteAttributes": ["custom:undeclared"]}, {"ReadAttributes": ["custom:nope", "email"]}])
def test_client_attribute_lists_must_name_attributes_of_the_pool(idp, pool_id, lists):
    kind = "write" if "WriteAttributes" in lists else "read"
    client_id = new_client(idp, pool_id)
    code, message = error_of(idp.update_user_pool_client, UserPoolId=pool_id, ClientId=client_id, **lists)
    assert (code, message) == ("InvalidParameterException", f"Invalid {kind} attributes specified while updating a client")
    code, message = error_of(idp.create_user_pool_client, UserPoolId=pool_id, ClientName="other", **lists)
    assert (code, message) == ("InvalidParameterException", f"Invalid {kind} attributes specified while creating a client")


# --------------------------------------------------------------------------
# WriteAttributes and the schema on writes
# --------------------------------------------------------------------------


def test_a_user_cannot_write_an_attribute_outside_the_clients_write_attributes(idp, pool_id):
    client_id = new_client(idp, pool_id, WriteAttributes=["email", "name"])
    token = sign_in(idp, client_id, new_user(idp, pool_id))["AccessToken"]
    code, message = error_of(
        idp.update_user_attributes,
        AccessToken=token,
        UserAttributes=[{"Name": "custom:identity_id", "Value": "us-east-1:forged"}],
    )
    assert (code, message) == ("NotAuthorizedException", "A client attempted to write unauthorized attribute")
    idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "name", "Value": "Ada"}])
    attributes = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id, Username="ada")["UserAttributes"]}
    assert attributes["name"] == "Ada"
    assert "custom:identity_id" not in attributes


def test_without_write_attributes_a_user_writes_custom_attributes_but_not_verification_flags(idp, pool_id):
    """The hole adopt closes: a client with no list lets users write custom:identity_id."""
    client_id = new_client(idp, pool_id)
    token = sign_in(idp, client_id, new_user(idp, pool_id))["AccessToken"]
    idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "custom:identity_id", "Value": "us-east-1:forged"}])
    attributes = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id, Username="ada")["UserAttributes"]}
    assert attributes["custom:identity_id"] == "us-east-1:forged"
    code, _ = error_of(idp.update_user_attributes, AccessToken=token, UserAttributes=[{"Name": "email_verified", "Value": "true"}])
    assert code == "NotAuthorizedException"


def test_closing_the_client_with_update_user_pool_client_stops_user_writes(idp, pool_id):
    client_id = new_client(idp, pool_id)
    token = sign_in(idp, client_id, new_user(idp, pool_id))["AccessToken"]
    idp.update_user_pool_client(UserPoolId=pool_id, ClientId=client_id, WriteAttributes=["email"])
    code, _ = error_of(idp.update_user_attributes, AccessToken=token, UserAttributes=[{"Name": "custom:identity_id", "Value": "x"}])
    assert code == "NotAuthorizedException"


def test_sign_up_is_limited_by_the_clients_write_attributes(idp, pool_id):
    client_id = new_client(idp, pool_id, WriteAttributes=["email"])
    code, message = error_of(
        idp.sign_up,
        ClientId=client_id,
        Username="mallory",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "m@example.com"}, {"Name": "custom:identity_id", "Value": "us-east-1:x"}],
    )
    assert (code, message) == ("NotAuthorizedException", "A client attempted to write unauthorized attribute")
    idp.sign_up(ClientId=client_id, Username="mallory", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "m@example.com"}])


def test_admin_writes_are_not_limited_by_any_client(idp, pool_id):
    new_client(idp, pool_id, WriteAttributes=["email"])
    new_user(idp, pool_id)
    idp.admin_update_user_attributes(
        UserPoolId=pool_id, Username="ada", UserAttributes=[{"Name": "custom:identity_id", "Value": "us-east-1:linked"}]
    )
    attributes = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id, Username="ada")["UserAttributes"]}
    assert attributes["custom:identity_id"] == "us-east-1:linked"


def test_an_undeclared_custom_attribute_is_refused_to_users_and_admins(idp, pool_id):
    client_id = new_client(idp, pool_id)
    token = sign_in(idp, client_id, new_user(idp, pool_id))["AccessToken"]
    expected = (
        "InvalidParameterException",
        "Attributes did not conform to the schema: custom:role: Attribute does not exist in the schema.\n",
    )
    undeclared = [{"Name": "custom:role", "Value": "admin"}]
    assert error_of(idp.update_user_attributes, AccessToken=token, UserAttributes=undeclared) == expected
    assert error_of(idp.admin_update_user_attributes, UserPoolId=pool_id, Username="ada", UserAttributes=undeclared) == expected
    assert error_of(
        idp.admin_create_user, UserPoolId=pool_id, Username="bob", MessageAction="SUPPRESS", UserAttributes=undeclared
    ) == expected


def test_add_custom_attributes_declares_once_and_refuses_a_second_add(idp, pool_id):
    client_id = new_client(idp, pool_id)
    token = sign_in(idp, client_id, new_user(idp, pool_id))["AccessToken"]
    idp.add_custom_attributes(UserPoolId=pool_id, CustomAttributes=[{"Name": "tier", "AttributeDataType": "String"}])
    idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "custom:tier", "Value": "gold"}])
    code, _ = error_of(
        idp.add_custom_attributes, UserPoolId=pool_id, CustomAttributes=[{"Name": "tier", "AttributeDataType": "String"}]
    )
    assert code == "InvalidParameterException"


# --------------------------------------------------------------------------
# ReadAttributes: id tokens and GetUser
# --------------------------------------------------------------------------


def test_read_attributes_limit_the_id_token_and_get_user(idp, pool_id):
    limited = new_client(idp, pool_id, ReadAttributes=["email"])
    open_client = new_client(idp, pool_id)
    new_user(idp, pool_id)
    idp.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="ada",
        UserAttributes=[{"Name": "custom:identity_id", "Value": "us-east-1:linked"}, {"Name": "name", "Value": "Ada"}],
    )

    tokens = sign_in(idp, limited, "ada")
    id_claims = claims(tokens["IdToken"])
    assert id_claims["email"] == "ada@example.com"
    assert "custom:identity_id" not in id_claims
    assert "name" not in id_claims
    seen = {a["Name"] for a in idp.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"]}
    assert seen == {"sub", "email"}

    tokens = sign_in(idp, open_client, "ada")
    id_claims = claims(tokens["IdToken"])
    assert id_claims["custom:identity_id"] == "us-east-1:linked"
    assert id_claims["name"] == "Ada"
    seen = {a["Name"] for a in idp.get_user(AccessToken=tokens["AccessToken"])["UserAttributes"]}
    assert {"sub", "email", "name", "custom:identity_id"} <= seen


# --------------------------------------------------------------------------
# Identity pools adopt reads
# --------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["describe_identity_pool", "get_identity_pool_roles"])
def test_an_unknown_identity_pool_is_resource_not_found(identity, operation):
    pool_id = f"us-east-1:{uuid.uuid4()}"
    code, message = error_of(getattr(identity, operation), IdentityPoolId=pool_id)
    assert (code, message) == ("ResourceNotFoundException", f"IdentityPool '{pool_id}' not found.")


def test_a_pool_declaring_one_custom_attribute_still_lists_every_standard_one(idp):
    pool = idp.create_user_pool(
        PoolName=f"schema-{uuid.uuid4().hex[:8]}",
        Schema=[
            {"Name": "plan", "AttributeDataType": "String", "Mutable": True},
            {"Name": "email", "AttributeDataType": "String", "Mutable": False, "Required": True},
        ],
    )["UserPool"]["Id"]
    names = {a["Name"]: a for a in idp.describe_user_pool(UserPoolId=pool)["UserPool"]["SchemaAttributes"]}
    for standard in ("sub", "name", "email", "email_verified", "phone_number", "updated_at"):
        assert standard in names, standard
    assert names["email"]["Mutable"] is False, "as CreateUserPool declared it"
    assert names["name"]["Mutable"] is True
    assert "custom:plan" in names

    idp.add_custom_attributes(
        UserPoolId=pool, CustomAttributes=[{"Name": "identity_id", "AttributeDataType": "String", "Mutable": True}]
    )
    added = {a["Name"]: a for a in idp.describe_user_pool(UserPoolId=pool)["UserPool"]["SchemaAttributes"]}
    assert added["custom:identity_id"]["AttributeDataType"] == "String"
    assert added["custom:identity_id"]["Mutable"] is True
    with pytest.raises(ClientError) as again:
        idp.add_custom_attributes(
            UserPoolId=pool, CustomAttributes=[{"Name": "identity_id", "AttributeDataType": "String", "Mutable": True}]
        )
    assert again.value.response["Error"]["Code"] == "InvalidParameterException"


def test_an_explicit_write_list_without_the_identity_closes_the_write_hole(idp):
    """What adopt does to a client with WriteAttributes unset: the user keeps writing
    what the list names and can no longer write custom:identity_id."""
    pool = idp.create_user_pool(PoolName=f"hole-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    idp.add_custom_attributes(
        UserPoolId=pool, CustomAttributes=[{"Name": "identity_id", "AttributeDataType": "String", "Mutable": True}]
    )
    client = new_client(idp, pool, ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    new_user(idp, pool)
    token = sign_in(idp, client, "ada")["AccessToken"]
    idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "custom:identity_id", "Value": "x"}])
    idp.update_user_pool_client(UserPoolId=pool, ClientId=client, ClientName="app", WriteAttributes=["name", "email"])
    token = sign_in(idp, client, "ada")["AccessToken"]
    with pytest.raises(ClientError) as refused:
        idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "custom:identity_id", "Value": "y"}])
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "name", "Value": "Ada"}])


def test_a_bucket_without_notifications_answers_an_empty_configuration(endpoint):
    """S3 answers GetBucketNotificationConfiguration of a bucket that never had one with an
    empty NotificationConfiguration (adopt reads it before turning EventBridge on)."""
    s3 = _client(endpoint, "s3")
    bucket = f"plain-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    answer = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert [k for k in answer if k != "ResponseMetadata"] == []
