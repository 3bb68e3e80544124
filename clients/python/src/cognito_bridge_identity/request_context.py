"""Reading a :class:`CallerIdentity` out of each API Gateway request context shape.

Mirrors the Rust crate ``caller-identity``; ``events/expected/`` holds the answers all
readers share.
"""

from typing import Any, Mapping, Optional, Sequence

from . import context_keys as key
from .context_values import InvalidValue, authorizer_groups, claim_groups, non_empty, split_scopes, value_text
from .errors import NoCallerIdentity
from .iam_provider import sub_from_amr, sub_from_authentication_provider
from .identity import CallerIdentity, IdentitySource, TokenUse
from .issuer import user_pool_id_from_issuer


def caller_identity(event: Mapping[str, Any]) -> CallerIdentity:
    """The caller of an API Gateway proxy event (REST payload 1.0 or HTTP API payload 2.0),
    as a Lambda handler receives it.

    Raises :class:`NoCallerIdentity` when the event does not say which user pool user
    is calling: its ``status`` is the answer to give (401 or 403).
    """
    context = _mapping(event.get("requestContext")) if isinstance(event, Mapping) else None
    if context is None:
        raise NoCallerIdentity("no_identity")
    if event.get("version") == "2.0" or "http" in context:
        return _from_http_api_context(context)
    return _from_rest_context(context)


def _from_rest_context(context: Mapping[str, Any]) -> CallerIdentity:
    """REST (payload 1.0): Cognito authorizer ``claims`` or our authorizer's keys under
    ``authorizer``, or IAM auth under ``identity``."""
    authorizer = _mapping(context.get("authorizer")) or {}
    if "claims" in authorizer:
        claims = _mapping(authorizer["claims"])
        if claims is None:
            raise NoCallerIdentity("malformed", "authorizer.claims")
        return _from_claims(claims, None, "cognitoUserPoolAuthorizer")
    if key.SUB in authorizer:
        return _from_authorizer_context(authorizer)
    identity = _mapping(context.get("identity")) or {}
    identity_id = _text(identity, "cognitoIdentityId")
    if identity_id is not None:
        provider = _text(identity, "cognitoAuthenticationProvider")
        sub = sub_from_authentication_provider(provider) if provider else None
        if sub is None:
            raise NoCallerIdentity("not_a_user_pool_login")
        return CallerIdentity(
            sub=sub, identity_id=identity_id, identity_pool_id=_text(identity, "cognitoIdentityPoolId"), source="iam"
        )
    if _text(identity, "userArn") is not None:
        # IAM auth signed by an IAM user or role: a caller, but no user pool user.
        raise NoCallerIdentity("not_a_user_pool_login")
    raise NoCallerIdentity("no_identity")


def _from_http_api_context(context: Mapping[str, Any]) -> CallerIdentity:
    """HTTP API (payload 2.0): ``authorizer.jwt`` (claims and scopes), ``authorizer.lambda``
    or ``authorizer.iam.cognitoIdentity``."""
    authorizer = _mapping(context.get("authorizer"))
    if authorizer is None:
        raise NoCallerIdentity("no_identity")
    jwt = _mapping(authorizer.get("jwt"))
    if jwt is not None:
        claims = _mapping(jwt.get("claims")) or {}
        scopes = jwt.get("scopes")
        listed = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else None
        return _from_claims(claims, listed, "jwtAuthorizer")
    fields = _mapping(authorizer.get("lambda")) or {}
    if key.SUB in fields:
        return _from_authorizer_context(fields)
    iam = _mapping(authorizer.get("iam"))
    if iam is None:
        raise NoCallerIdentity("no_identity")
    cognito = _mapping(iam.get("cognitoIdentity"))
    if cognito is None:
        raise NoCallerIdentity("not_a_user_pool_login")
    identity_id = _text(cognito, "identityId")
    if identity_id is None:
        raise NoCallerIdentity("malformed", "authorizer.iam.cognitoIdentity.identityId")
    amr = cognito.get("amr")
    sub = sub_from_amr(amr) if isinstance(amr, list) else None
    if sub is None:
        raise NoCallerIdentity("not_a_user_pool_login")
    return CallerIdentity(
        sub=sub, identity_id=identity_id, identity_pool_id=_text(cognito, "identityPoolId"), source="iam"
    )


def _from_authorizer_context(fields: Mapping[str, Any]) -> CallerIdentity:
    """The Cognito Bridge authorizer's context: every value a string, ``groups`` a JSON
    array string."""
    sub = _text(fields, key.SUB)
    if sub is None:
        raise NoCallerIdentity("malformed", "authorizer sub")
    try:
        groups = authorizer_groups(fields.get(key.GROUPS))
    except InvalidValue:
        raise NoCallerIdentity("malformed", "authorizer groups") from None
    linked_text = _text(fields, key.LINKED)
    return CallerIdentity(
        sub=sub,
        username=_text(fields, key.USERNAME),
        identity_id=_text(fields, key.IDENTITY_ID),
        identity_pool_id=_text(fields, key.IDENTITY_POOL_ID),
        user_pool_id=_text(fields, key.USER_POOL_ID),
        email=_text(fields, key.EMAIL),
        groups=groups,
        scopes=split_scopes(_text(fields, key.SCOPES) or ""),
        token_use=_token_use(_text(fields, key.TOKEN_USE)),
        client_id=_text(fields, key.CLIENT_ID),
        linked={"true": True, "false": False}.get(linked_text or ""),
        source="lambdaAuthorizer",
    )


def _from_claims(claims: Mapping[str, Any], listed_scopes: Optional[Sequence[str]], source: IdentitySource) -> CallerIdentity:
    """Claims of a user pool id or access token as API Gateway's own authorizers pass them.

    The ``scope`` claim, when present, is the token's own full list and wins over the JWT
    authorizer's ``scopes``, which API Gateway leaves null on routes without scopes.
    The IdentityId is ``custom:identity_id`` (id tokens), else ``identity_id``, which the
    Pre Token Generation trigger adds to both tokens of a linked user.
    """
    sub = _text(claims, "sub")
    if sub is None:
        raise NoCallerIdentity("malformed", "claims sub")
    identity_id = _text(claims, "custom:identity_id") or _text(claims, "identity_id")
    scope = _text(claims, "scope")
    scopes = split_scopes(scope) if scope else tuple(s for s in (listed_scopes or ()) if s)
    iss = _text(claims, "iss")
    return CallerIdentity(
        sub=sub,
        username=_text(claims, "cognito:username") or _text(claims, "username"),
        identity_id=identity_id,
        user_pool_id=user_pool_id_from_issuer(iss) if iss else None,
        email=_text(claims, "email"),
        groups=claim_groups(_text(claims, "cognito:groups") or ""),
        scopes=scopes,
        token_use=_token_use(_text(claims, "token_use")),
        client_id=_text(claims, "client_id") or _text(claims, "aud"),
        linked=identity_id is not None,
        source=source,
    )


def _token_use(text: Optional[str]) -> Optional[TokenUse]:
    """``id`` or ``access``, the values Cognito writes; anything else is None, so a value
    from a newer or foreign writer never passes for a known kind of token."""
    if text == "id":
        return "id"
    if text == "access":
        return "access"
    return None


def _mapping(value: object) -> Optional[Mapping[str, Any]]:
    return value if isinstance(value, Mapping) else None


def _text(values: Mapping[str, Any], name: str) -> Optional[str]:
    return non_empty(value_text(values.get(name)))
