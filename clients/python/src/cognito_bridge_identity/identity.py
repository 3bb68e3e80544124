"""The caller identity value itself, and the scope and group checks handlers make on it."""

from dataclasses import dataclass
from typing import Dict, Literal, Optional, Tuple, Union

from .errors import AccessDenied

#: Where API Gateway (or our authorizer) put the identity a value was read from.
IdentitySource = Literal["lambdaAuthorizer", "iam", "cognitoUserPoolAuthorizer", "jwtAuthorizer"]

#: Which kind of user pool token the caller presented (its ``token_use`` claim).
TokenUse = Literal["id", "access"]

#: A caller as plain JSON values, in the shape of ``events/expected/*.json``.
JsonValue = Union[str, bool, None, list]


@dataclass(frozen=True)
class CallerIdentity:
    """The caller as both Cognito halves know them: the user pool ``sub`` and the
    identity pool ``identity_id``, plus what the source says about the token.

    IAM auth carries no token: no username, pool, groups, scopes, token use or client.
    """

    #: The user pool user id; always present.
    sub: str
    #: Where this was read from.
    source: IdentitySource
    #: The user pool user name, when the source carries it (not under IAM auth).
    username: Optional[str] = None
    #: The identity pool IdentityId, e.g. ``us-east-1:1f0c…``; None for a user not linked yet.
    identity_id: Optional[str] = None
    #: The identity pool id, when the source carries it.
    identity_pool_id: Optional[str] = None
    #: The user pool that issued the token: a ``sub`` is unique only within its pool.
    user_pool_id: Optional[str] = None
    #: The user's email, when the source carries it.
    email: Optional[str] = None
    #: The user's user pool groups; empty when none or not carried (IAM auth).
    groups: Tuple[str, ...] = ()
    #: The OAuth scopes of an access token; empty for id tokens and IAM auth.
    scopes: Tuple[str, ...] = ()
    #: ``"id"`` or ``"access"``; None under IAM auth or when the source does not say.
    token_use: Optional[TokenUse] = None
    #: The app client the token was issued to; None under IAM auth.
    client_id: Optional[str] = None
    #: Whether the user pool record holds the IdentityId; None when the source cannot tell.
    linked: Optional[bool] = None

    def has_scope(self, scope: str) -> bool:
        """Whether the access token grants ``scope`` (exact and case-sensitive, as OAuth compares)."""
        return scope in self.scopes

    def in_group(self, group: str) -> bool:
        """Whether the caller is in user pool group ``group`` (exact and case-sensitive)."""
        return group in self.groups

    def require_scope(self, scope: str) -> None:
        """Raises :class:`AccessDenied` (403) unless the access token grants ``scope``: the
        one-line check before doing what the scope allows, so that the rule holds even
        when a gateway's route rules are misconfigured."""
        if self.has_scope(scope):
            return
        if self.source == "iam":
            reason = "IAM auth carries no OAuth scopes"
        elif self.token_use == "access":
            reason = "the access token does not grant it"
        elif self.token_use == "id":
            reason = "id tokens carry no OAuth scopes; call with an access token"
        else:
            reason = "the request names no OAuth scopes"
        raise AccessDenied("missing_scope", f"missing OAuth scope {scope}: {reason}")

    def require_group(self, group: str) -> None:
        """Raises :class:`AccessDenied` (403) unless the caller is in user pool group ``group``."""
        if self.in_group(group):
            return
        reason = "IAM auth carries no user pool groups" if self.source == "iam" else "the token's groups do not list it"
        raise AccessDenied("missing_group", f"not in user pool group {group}: {reason}")

    def to_json(self) -> Dict[str, JsonValue]:
        """The caller as plain JSON, under the field names of ``events/expected/README.md``
        (the same as the Rust crate's and the Node package's)."""
        return {
            "sub": self.sub,
            "username": self.username,
            "identityId": self.identity_id,
            "identityPoolId": self.identity_pool_id,
            "userPoolId": self.user_pool_id,
            "email": self.email,
            "groups": list(self.groups),
            "scopes": list(self.scopes),
            "tokenUse": self.token_use,
            "clientId": self.client_id,
            "linked": self.linked,
            "source": self.source,
        }
