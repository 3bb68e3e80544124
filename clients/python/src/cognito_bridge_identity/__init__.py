"""Who is calling a Lambda behind API Gateway: the user pool ``sub`` and the Cognito
``IdentityId`` in one typed :class:`CallerIdentity`, from any request context shape
(the Cognito Bridge authorizer, IAM auth, the Cognito user pool and JWT authorizers).

The Python twin of the Rust crate ``caller-identity``; all readers answer the shared
cases in ``events/expected/`` alike.
"""

from .errors import AccessDenied, NoCallerIdentity
from .identity import CallerIdentity, IdentitySource, TokenUse
from .request_context import caller_identity

__all__ = ["AccessDenied", "CallerIdentity", "IdentitySource", "NoCallerIdentity", "TokenUse", "caller_identity"]
