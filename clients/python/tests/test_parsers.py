"""The issuer and IAM provider parsers accept exactly what the Rust crate accepts."""

import pytest

from cognito_bridge_identity.context_values import claim_groups, split_scopes, value_text
from cognito_bridge_identity.iam_provider import sub_from_amr, sub_from_authentication_provider
from cognito_bridge_identity.issuer import user_pool_id_from_issuer


def test_cognito_issuers_name_their_pool() -> None:
    assert user_pool_id_from_issuer("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X9") == "eu-west-1_X9"
    assert user_pool_id_from_issuer("https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Ab") == "cn-north-1_Ab"


@pytest.mark.parametrize(
    "iss",
    [
        "",
        "us-east-1_AbCdEf123",
        "http://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab",
        "https://cognito-idp.us-east-1.amazonaws.com/",
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_",
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab/extra",
        "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_Ab",
        "https://cognito-idp.us-east-1.amazonaws.com.evil.example/us-east-1_Ab",
        "https://evil.example/cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab",
        "https://cognito-idp..amazonaws.com/_Ab",
        "https://accounts.google.com",
    ],
)
def test_other_issuers_name_no_pool(iss: str) -> None:
    assert user_pool_id_from_issuer(iss) is None


def test_rest_provider_with_sign_in() -> None:
    value = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X,cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X:CognitoSignIn:abc-123"
    assert sub_from_authentication_provider(value) == "abc-123"
    for other in ["graph.facebook.com", "", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X:CognitoSignIn:", "evil.example/x:CognitoSignIn:abc"]:
        assert sub_from_authentication_provider(other) is None, other


def test_amr_requires_authenticated() -> None:
    sign_in = "cognito-idp.us-east-1.amazonaws.com/us-east-1_X:CognitoSignIn:s-1"
    assert sub_from_amr(["authenticated", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X", sign_in]) == "s-1"
    assert sub_from_amr(["unauthenticated", sign_in]) is None
    assert sub_from_amr(["authenticated", "graph.facebook.com"]) is None


def test_claim_groups_in_every_encoding() -> None:
    assert claim_groups("admins,readers") == ("admins", "readers")
    assert claim_groups("[admins readers]") == ("admins", "readers")
    assert claim_groups("[admins, readers]") == ("admins", "readers")
    assert claim_groups("[admins]") == ("admins",)
    assert claim_groups(" [] ") == ()
    assert claim_groups(value_text(["admins", "readers"])) == ("admins", "readers")


def test_scopes_and_values() -> None:
    assert split_scopes("  aws.cognito.signin.user.admin\t openid ") == ("aws.cognito.signin.user.admin", "openid")
    assert value_text(True) == "true" and value_text(None) == "" and value_text(42) == "42"
