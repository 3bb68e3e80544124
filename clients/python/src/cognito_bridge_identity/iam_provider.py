"""Reading the user pool sign-in out of IAM auth's Cognito fields."""

from typing import Optional, Sequence

_SIGN_IN_MARKER = ":CognitoSignIn:"


def sub_from_authentication_provider(value: str) -> Optional[str]:
    """The ``sub`` in REST ``identity.cognitoAuthenticationProvider``.

    The value reads ``cognito-idp.<region>.amazonaws.com/<pool>,cognito-idp.<region>.amazonaws.com/<pool>:CognitoSignIn:<sub>``;
    any other provider (federated, developer-authenticated, unauthenticated) is None.
    """
    for part in reversed(value.split(",")):
        sub = _sign_in_sub(part.strip())
        if sub is not None:
            return sub
    return None


def sub_from_amr(amr: Sequence[object]) -> Optional[str]:
    """The ``sub`` in HTTP API ``authorizer.iam.cognitoIdentity.amr``, if it is an
    authenticated user pool sign-in."""
    if "authenticated" not in amr:
        return None
    for part in reversed(amr):
        sub = _sign_in_sub(part) if isinstance(part, str) else None
        if sub is not None:
            return sub
    return None


def _sign_in_sub(part: str) -> Optional[str]:
    provider, marker, sub = part.partition(_SIGN_IN_MARKER)
    provider_ok = bool(marker) and provider.startswith("cognito-idp.") and ".amazonaws.com/" in provider
    sub_ok = 0 < len(sub) <= 128 and all(c.isascii() and (c.isalnum() or c == "-") for c in sub)
    return sub if provider_ok and sub_ok else None
