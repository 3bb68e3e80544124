"""Create, in the local Cognito, the Cognito resources that template.yaml creates.

The user pool has the custom attribute ``identity_id`` (String, mutable, so the
link function can write it with AdminUpdateUserAttributes); the app client reads
it but may not write it; the identity pool accepts that pool and client only and
refuses unauthenticated identities.

Usage: create_local_stack.py ENDPOINT_URL NAME  -> prints the ids as JSON.
"""

from __future__ import annotations

import json
import sys

import boto3

REGION = "us-east-1"
# The standard attributes the app client may write (template.yaml: WriteAttributes).
WRITABLE = ["email", "name", "given_name", "family_name", "preferred_username", "locale", "zoneinfo"]


def create(endpoint: str, name: str) -> dict:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
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
        "Region": REGION,
    }


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(create(sys.argv[1], sys.argv[2])))
