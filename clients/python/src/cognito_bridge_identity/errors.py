"""Why a request carries no usable caller identity, or why a known caller is refused.

Messages are the Rust crate's, word for word, and never hold a token or a context value.
"""

from typing import Literal

#: Why a request names no caller: a stable code for ``{"error": code}`` answers.
NoIdentityReason = Literal["no_identity", "not_a_user_pool_login", "malformed"]

_MESSAGES: dict[str, str] = {
    "no_identity": "the request carries no caller identity (is the route protected by an authorizer or IAM auth?)",
    "not_a_user_pool_login": "the caller is not signed in through a Cognito user pool",
}


class NoCallerIdentity(Exception):
    """The event does not say which user pool user is calling.

    ``reason`` is a stable code and ``status`` the HTTP status a handler should answer
    with: 401 when nobody is signed in, 403 when a caller is known but is not a user pool
    user, or the context is not in the documented form.
    """

    reason: NoIdentityReason
    status: int

    def __init__(self, reason: NoIdentityReason, invalid: str = "") -> None:
        message = _MESSAGES.get(reason) or f"the request context has an invalid {invalid}"
        super().__init__(message)
        self.reason = reason
        self.status = 401 if reason == "no_identity" else 403


#: What a caller lacks: a stable code for ``{"error": code, "message": ...}`` answers.
AccessDeniedCode = Literal["missing_scope", "missing_group"]


class AccessDenied(Exception):
    """The caller is known but lacks the OAuth scope or user pool group a handler requires.

    Always 403: signing in again with the same rights would not help. The message names
    the scope or group and why it is missing.
    """

    code: AccessDeniedCode
    status: int = 403

    def __init__(self, code: AccessDeniedCode, message: str) -> None:
        super().__init__(message)
        self.code = code
