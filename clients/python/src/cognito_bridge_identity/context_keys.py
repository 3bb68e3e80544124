"""The keys the Cognito Bridge authorizer writes into every Allow's context.

The same names as the Rust crate's ``context_keys``: the authorizer writes them, and
every reader (Rust, Node, Python) reads them, so they are one contract.
"""

from typing import Final

#: The user pool ``sub`` (also the policy's ``principalId``).
SUB: Final = "sub"
#: ``cognito:username``, when the token has one.
USERNAME: Final = "username"
#: The caller's IdentityId in :data:`IDENTITY_POOL_ID`.
IDENTITY_ID: Final = "identityId"
#: The identity pool the IdentityId belongs to.
IDENTITY_POOL_ID: Final = "identityPoolId"
#: ``"true"`` when the IdentityId came from the token's ``custom:identity_id``.
LINKED: Final = "linked"
#: The app client the token was issued to.
CLIENT_ID: Final = "clientId"
#: The user's email, when the app client may read it.
EMAIL: Final = "email"
#: ``cognito:groups`` as a JSON array string, e.g. ``["ops,admins","x"]``.
GROUPS: Final = "groups"
#: ``id`` or ``access``: which kind of user pool token the caller presented.
TOKEN_USE: Final = "tokenUse"
#: An access token's OAuth scopes, space-joined.
SCOPES: Final = "scopes"
#: The user pool that issued the caller's token.
USER_POOL_ID: Final = "userPoolId"
