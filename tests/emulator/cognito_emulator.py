#!/usr/bin/env python3
"""Local Cognito emulator for tests and demos.

Serves the moto server app (every AWS service moto knows, in-process) on a
loopback port, with a thin WSGI layer in front of it that

* makes Cognito Identity's GetId / GetCredentialsForIdentity /
  DescribeIdentity behave like the real service: login tokens are verified
  (signature, issuer, audience, token use, expiry) and a user keeps the same
  IdentityId for as long as the emulator runs;
* scopes the credentials it issues for a pool with roles (SetIdentityPoolRoles)
  by the role's policies: S3 and DynamoDB requests signed with them are
  evaluated as IAM would (role_policy.py) and refused in each service's own
  error shape;
* records every AWS API call it receives, so tests running in another
  process can assert which calls were (or were not) made;
* lets tests make the user pool JWKS endpoint fail or hang, to exercise
  the caller's timeout and error paths;
* lets tests make the next N calls of a Cognito operation (e.g. GetId) answer
  as a throttled or unavailable Cognito does, to exercise the callers' retries;
* mints tokens signed with the user pool key, so tests can build expired
  or otherwise odd tokens that moto would never issue.

Usage:
    python cognito_emulator.py [--host 127.0.0.1] [--port 0]
                               [--ready-file PATH] [--verbose]

Prints ``READY http://127.0.0.1:<port>`` once it accepts connections and
exits cleanly on SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import io
import ipaddress
import json
import os
import re
import secrets
import signal
import string
import sys
import tempfile
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape as xml_escape

# moto reads credentials and region from the environment; give it harmless
# defaults before it is imported so that it never looks anywhere else.
for _name, _value in (
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_SESSION_TOKEN", "testing"),
    ("AWS_SECURITY_TOKEN", "testing"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
    ("AWS_REGION", "us-east-1"),
):
    os.environ.setdefault(_name, _value)
# Never let boto/moto reach the instance metadata service.
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from joserfc import jwt as jose_jwt  # noqa: E402
from joserfc.errors import JoseError  # noqa: E402
from joserfc.jwk import RSAKey  # noqa: E402
from moto.cognitoidentity.models import cognitoidentity_backends  # noqa: E402
from moto.cognitoidp.models import cognitoidp_backends  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.core.request import Request as MotoRequest  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.s3.responses import S3Response  # noqa: E402
from moto.utilities.utils import load_resource  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402
from werkzeug.wrappers import Response  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dynamodb_faults  # noqa: E402
import role_policy  # noqa: E402
import s3_eventbridge  # noqa: E402
import directory_stream_pipe  # noqa: E402
import identity_lifecycle  # noqa: E402
import principal_tags  # noqa: E402
import s3_sequencer  # noqa: E402
import s3_faults  # noqa: E402
import user_pool_rules  # noqa: E402
import pre_token_trigger  # noqa: E402
import cloudtrail_events  # noqa: E402

s3_sequencer.install()

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

JSON_11 = "application/x-amz-json-1.1"

# X-Amz-Target prefixes whose service name differs from the prefix.
TARGET_SERVICES = {
    "AWSCognitoIdentityService": "cognito-identity",
    "AWSCognitoIdentityProviderService": "cognito-idp",
}

WELL_KNOWN_RE = re.compile(r"^/([^/]+)/\.well-known/(jwks\.json|openid-configuration)/?$")

CREDENTIALS_LIFETIME_SECONDS = 3600


# --------------------------------------------------------------------------
# Errors in the shape the AWS JSON 1.1 protocol uses
# --------------------------------------------------------------------------


class AwsError(Exception):
    """An error answered as ``{"__type": ..., "message": ...}``, like AWS does.

    SDKs key their error handling on ``__type``, so tests of the caller's
    error paths need exactly these names, not moto's generic 500s.
    """

    def __init__(self, error_type: str, message: str, status: int = 400):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFoundException", message)


def not_authorized(message: str) -> AwsError:
    return AwsError("NotAuthorizedException", message)


def invalid_token(reason: str) -> AwsError:
    """Real Cognito prefixes every token-verification failure like this."""
    return not_authorized(f"Invalid login token. {reason}")


UNAUTH_NOT_SUPPORTED = "Unauthenticated access is not supported for this identity pool."
UNSUPPORTED_PROVIDER = "Token is not from a supported provider of this identity pool."
LOGINS_DONT_MATCH = (
    "Logins don't match. Please include at least one valid login "
    "for this identity or identity pool."
)


# --------------------------------------------------------------------------
# Token verification
# --------------------------------------------------------------------------


def _b64url_decode(part: str) -> bytes:
    """Decode unpadded base64url strictly; JWT segments never carry padding."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", part):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _public_jwks() -> dict[str, rsa.RSAPublicKey]:
    """The user pool signing keys by kid, exactly as moto serves them.

    moto signs the tokens of every user pool with one bundled key; reading
    its resource file keeps this in step with the JWKS endpoint without an
    HTTP round trip to ourselves.
    """
    keys = {}
    for jwk in load_resource("cognitoidp/resources/jwks-public.json")["keys"]:
        n = int.from_bytes(_b64url_decode(jwk["n"]), "big")
        e = int.from_bytes(_b64url_decode(jwk["e"]), "big")
        keys[jwk["kid"]] = rsa.RSAPublicNumbers(e, n).public_key()
    return keys


PUBLIC_KEYS = _public_jwks()


def verify_id_token(token: Any, region: str, user_pool_id: str, client_id: str) -> dict:
    """Verify a Cognito user pool ID token the way Cognito Identity does.

    Returns the claims, or raises NotAuthorizedException with a short reason.
    Every malformed input ends up here as NotAuthorizedException rather than
    a server error, because that is what callers see from the real service.
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise invalid_token("Not a valid OpenId Connect identity token.")
    header_b64, payload_b64, signature_b64 = token.split(".")
    try:
        header = json.loads(_b64url_decode(header_b64))
        payload = json.loads(_b64url_decode(payload_b64))
        signature = _b64url_decode(signature_b64)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_token("Not a valid OpenId Connect identity token.") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise invalid_token("Not a valid OpenId Connect identity token.")

    if header.get("alg") != "RS256":
        raise invalid_token("Unsupported token algorithm")
    key = PUBLIC_KEYS.get(header.get("kid")) if isinstance(header.get("kid"), str) else None
    if key is None:
        raise invalid_token("Unknown key id")
    try:
        key.verify(
            signature,
            f"{header_b64}.{payload_b64}".encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        raise invalid_token("Invalid signature") from None

    if payload.get("iss") != f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}":
        raise invalid_token("Issuer doesn't match providerName")
    if payload.get("token_use") != "id":
        raise invalid_token("Not an id token")
    aud = payload.get("aud")
    if aud != client_id and not (isinstance(aud, list) and client_id in aud):
        raise invalid_token("Incorrect token audience")
    exp = payload.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool) or exp <= time.time():
        raise invalid_token("Token expired")
    if not isinstance(payload.get("sub"), str) or not payload["sub"]:
        raise invalid_token("Token has no subject")
    return payload


def sign_token(claims: dict, header: dict | None = None) -> str:
    """Sign arbitrary claims with moto's user pool key (test helper).

    Lets tests produce tokens moto never issues (expired, wrong audience,
    access tokens with odd claims) while keeping a valid signature, so the
    check under test is the one that fails.
    """
    key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    jose_header = {"alg": "RS256", "kid": "dummy"}
    jose_header.update(header or {})
    with warnings.catch_warnings():
        # Deliberately weak headers (alg "none") are a legitimate test input.
        warnings.simplefilter("ignore")
        return jose_jwt.encode(jose_header, claims, key, algorithms=[jose_header["alg"]])


# --------------------------------------------------------------------------
# Identity store
# --------------------------------------------------------------------------


@dataclass
class Identity:
    """One Cognito identity and the logins linked to it."""

    identity_id: str
    identity_pool_id: str
    account_id: str
    created: float
    modified: float
    logins: list[str] = field(default_factory=list)
    # The entry moto's ListIdentities answers with; updated in place.
    moto_entry: dict = field(default_factory=dict)

    def describe(self) -> dict:
        return {
            "IdentityId": self.identity_id,
            "Logins": list(self.logins),
            "CreationDate": self.created,
            "LastModifiedDate": self.modified,
        }

    def touch(self, providers: Iterable[str]) -> None:
        for provider in providers:
            if provider not in self.logins:
                self.logins.append(provider)
        self.modified = round(time.time(), 3)
        self.moto_entry.update(self.describe())


def _random_credentials() -> dict:
    """Temporary credentials shaped like STS ones; what they allow is the pool role's
    policy (see ScopedCredentials), or anything when the pool has no roles."""
    key_alphabet = string.ascii_uppercase + "234567"
    return {
        "AccessKeyId": "ASIA" + "".join(secrets.choice(key_alphabet) for _ in range(16)),
        "SecretKey": base64.b64encode(secrets.token_bytes(30)).decode("ascii"),
        "SessionToken": base64.b64encode(secrets.token_bytes(300)).decode("ascii"),
        "Expiration": int(time.time()) + CREDENTIALS_LIFETIME_SECONDS,
    }


class CognitoIdentity:
    """GetId, GetCredentialsForIdentity and DescribeIdentity, done properly.

    Pool configuration lives in moto's cognito-identity backend (so
    CreateIdentityPool / UpdateIdentityPool keep working through moto);
    this class only adds token checks and a stable identity mapping.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._by_id: dict[str, Identity] = {}
        # (identity pool id, provider name, token sub) -> identity id
        self._by_login: dict[tuple[str, str, str], str] = {}
        # access key id -> who the credentials were issued to (what API Gateway's
        # IAM auth learns about a caller from STS)
        self._issued: dict[str, dict] = {}
        # identity pool id -> {"authenticated": role ARN, "unauthenticated": ...}
        # (SetIdentityPoolRoles; moto has no such call)
        self._roles: dict[str, dict[str, str]] = {}
        # DeleteIdentities and merges (identity_lifecycle.py)
        self.lifecycle = identity_lifecycle.IdentityLifecycle(self, AwsError)
        # SetPrincipalTagAttributeMap / GetPrincipalTagAttributeMap (principal_tags.py)
        self.principal_tags = principal_tags.PrincipalTagMaps(self._pool, AwsError)

    def reset(self) -> None:
        """Forget all identities (moto's own reset wipes the pools too)."""
        self.lifecycle.reset()
        self.principal_tags.reset()
        with self._lock:
            self._by_id.clear()
            self._by_login.clear()
            self._issued.clear()
            self._roles.clear()

    # -- helpers ----------------------------------------------------------

    @staticmethod
    def _pool(account_id: str, identity_pool_id: Any):
        """Find an identity pool in moto; its id starts with its region."""
        if not isinstance(identity_pool_id, str) or ":" not in identity_pool_id:
            raise not_found(f"IdentityPool '{identity_pool_id}' not found.")
        region = identity_pool_id.split(":", 1)[0]
        try:
            pool = cognitoidentity_backends[account_id][region].identity_pools.get(identity_pool_id)
        except (KeyError, ValueError):
            pool = None
        if pool is None:
            raise not_found(f"IdentityPool '{identity_pool_id}' not found.")
        return pool

    @staticmethod
    def _verify_logins(account_id: str, pool, logins: dict) -> list[tuple[str, str]]:
        """Check every login against the pool's providers; return (provider, sub)."""
        providers = {
            p.get("ProviderName"): p.get("ClientId")
            for p in (pool.cognito_identity_providers or [])
            if isinstance(p, dict)
        }
        verified = []
        for provider, token in logins.items():
            if provider not in providers:
                raise not_authorized(UNSUPPORTED_PROVIDER)
            match = re.fullmatch(r"cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+)", provider)
            if not match:
                raise not_authorized(UNSUPPORTED_PROVIDER)
            region, user_pool_id = match.groups()
            try:
                user_pool_exists = user_pool_id in cognitoidp_backends[account_id][region].user_pools
            except (KeyError, ValueError):
                user_pool_exists = False
            if not user_pool_exists:
                # The real service could not fetch this pool's JWKS either.
                raise invalid_token("Couldn't verify signed token.")
            claims = verify_id_token(token, region, user_pool_id, providers[provider])
            verified.append((provider, claims["sub"]))
        return verified

    @staticmethod
    def _logins(body: dict) -> dict:
        logins = body.get("Logins") or {}
        if not isinstance(logins, dict):
            raise AwsError("ValidationException", "Logins must be a map of provider name to token.")
        return logins

    def _register_with_moto(self, identity: Identity) -> None:
        """Let moto's ListIdentities see the identity too."""
        region = identity.identity_pool_id.split(":", 1)[0]
        backend = cognitoidentity_backends[identity.account_id][region]
        entries = backend.pools_identities.setdefault(
            identity.identity_pool_id,
            {"IdentityPoolId": identity.identity_pool_id, "Identities": []},
        )
        identity.moto_entry.update(identity.describe())
        entries["Identities"].append(identity.moto_entry)

    def unlist(self, identity: Identity) -> None:
        """Remove a deleted identity from moto's ListIdentities."""
        region = identity.identity_pool_id.split(":", 1)[0]
        entries = cognitoidentity_backends[identity.account_id][region].pools_identities.get(identity.identity_pool_id)
        if entries:
            entries["Identities"] = [e for e in entries["Identities"] if e is not identity.moto_entry]

    def _known_identity(self, identity_id: Any) -> Identity:
        identity = self._by_id.get(identity_id) if isinstance(identity_id, str) else None
        if identity is None:
            raise not_found(f"Identity '{identity_id}' not found.")
        return identity

    # -- operations -------------------------------------------------------

    def get_id(self, account_id: str, body: dict) -> dict:
        """Return the caller's IdentityId, creating it on first sight.

        The same user (pool, provider, sub) always gets the same id, which
        is what lets callers cache or persist it; an anonymous caller gets
        a fresh identity every time, as with the real service.
        """
        pool_id = body.get("IdentityPoolId")
        pool = self._pool(account_id, pool_id)
        logins = self._logins(body)
        if not logins:
            if not pool.allow_unauthenticated_identities:
                raise not_authorized(UNAUTH_NOT_SUPPORTED)
            verified: list[tuple[str, str]] = []
        else:
            verified = self._verify_logins(account_id, pool, logins)

        with self._lock:
            existing = {
                self._by_login[(pool_id, provider, sub)]
                for provider, sub in verified
                if (pool_id, provider, sub) in self._by_login
            }
            if len(existing) > 1:
                raise AwsError(
                    "ResourceConflictException",
                    "Logins are already linked to different identities.",
                )
            if existing:
                identity = self._by_id[existing.pop()]
            else:
                region = pool_id.split(":", 1)[0]
                now = round(time.time(), 3)
                identity = Identity(f"{region}:{uuid.uuid4()}", pool_id, account_id, now, now)
                self._by_id[identity.identity_id] = identity
                self._register_with_moto(identity)
            for provider, sub in verified:
                self._by_login[(pool_id, provider, sub)] = identity.identity_id
            identity.touch(provider for provider, _ in verified)
            return {"IdentityId": identity.identity_id}

    def get_credentials_for_identity(self, account_id: str, body: dict) -> dict:
        """Hand out credentials only to a caller proving it owns the identity."""
        with self._lock:
            identity = self._known_identity(body.get("IdentityId"))
        try:
            pool = self._pool(identity.account_id, identity.identity_pool_id)
        except AwsError:
            raise not_found(f"Identity '{identity.identity_id}' not found.") from None
        logins = self._logins(body)
        refused = self.lifecycle.refusal(identity.identity_id, logins)
        if refused:
            raise refused
        if not logins:
            if identity.logins:
                raise not_authorized(LOGINS_DONT_MATCH)
            if not pool.allow_unauthenticated_identities:
                raise not_authorized(UNAUTH_NOT_SUPPORTED)
            verified: list[tuple[str, str]] = []
        else:
            verified = self._verify_logins(identity.account_id, pool, logins)
        with self._lock:
            for provider, sub in verified:
                key = (identity.identity_pool_id, provider, sub)
                if self._by_login.get(key) != identity.identity_id:
                    raise not_authorized(LOGINS_DONT_MATCH)
            identity.touch([])
        tags = self.principal_tags.session_tags(identity.identity_pool_id, logins) if verified else {}
        role_arn = self._assumed_role(identity, verified, tags)
        with self._lock:
            credentials = _random_credentials()
            self._issued[credentials["AccessKeyId"]] = {
                "identityId": identity.identity_id,
                "identityPoolId": identity.identity_pool_id,
                "accountId": identity.account_id,
                "secretKey": credentials["SecretKey"],
                "sessionToken": credentials["SessionToken"],
                "expiration": credentials["Expiration"],
                "authenticated": bool(verified),
                # The shape API Gateway puts in cognitoAuthenticationProvider / amr.
                "logins": [f"{provider}:CognitoSignIn:{sub}" for provider, sub in verified],
                "providers": [provider for provider, _ in verified],
                # The pool's role for this identity, whose policies scope the
                # credentials; None when the pool has no roles (then nothing is checked).
                "roleArn": role_arn,
                # The session's principal tags, from the pool's principal-tag map.
                "principalTags": tags,
            }
        return {"IdentityId": identity.identity_id, "Credentials": credentials}

    def _assumed_role(self, identity: Identity, verified: list[tuple[str, str]], tags: dict | None = None) -> str | None:
        """The role Cognito would assume for the identity, trust policy checked.

        Cognito answers InvalidIdentityPoolConfigurationException when the pool has no
        role for this kind of identity or the role's trust policy refuses it, including
        when the session gets principal tags and the trust policy lacks sts:TagSession.
        """
        with self._lock:
            roles = dict(self._roles.get(identity.identity_pool_id) or {})
        if not roles:
            return None
        kind = "authenticated" if verified else "unauthenticated"
        role_arn = roles.get(kind)
        invalid = AwsError(
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
        )
        if not role_arn:
            raise invalid
        role = iam_role(identity.account_id, role_arn)
        if role is None:
            raise invalid
        logins = [f"{provider}:CognitoSignIn:{sub}" for provider, sub in verified]
        context = role_policy.principal_context(
            identity.identity_id, identity.identity_pool_id, identity.account_id, logins, bool(verified)
        )
        request = role_policy.Authorization(
            "sts:AssumeRoleWithWebIdentity", role_arn, context, role_policy.GLOBAL_KEYS
        )
        try:
            trusted = role_policy.trust_allows(role.assume_role_policy_document, "cognito-identity.amazonaws.com", request)
        except role_policy.UnsupportedPolicy as error:
            raise AwsError("InvalidIdentityPoolConfigurationException", f"the emulator cannot evaluate the role's trust policy: {error}") from None
        if not trusted:
            raise invalid
        if tags:
            tagging = role_policy.Authorization("sts:TagSession", role_arn, context, role_policy.GLOBAL_KEYS)
            if not role_policy.trust_allows(role.assume_role_policy_document, "cognito-identity.amazonaws.com", tagging):
                raise invalid
        return role_arn

    def set_identity_pool_roles(self, account_id: str, body: dict) -> dict:
        """SetIdentityPoolRoles: the roles whose policies scope the pool's credentials."""
        pool_id = body.get("IdentityPoolId")
        self._pool(account_id, pool_id)
        roles = body.get("Roles") or {}
        if not isinstance(roles, dict) or set(roles) - {"authenticated", "unauthenticated"}:
            raise AwsError("InvalidParameterException", "Roles takes 'authenticated' and 'unauthenticated' role ARNs.")
        if body.get("RoleMappings"):
            raise AwsError("InvalidParameterException", "the emulator does not reproduce RoleMappings (rules or token roles).")
        for arn in roles.values():
            if not isinstance(arn, str) or not re.fullmatch(r"arn:aws[\w-]*:iam::\d{12}:role/.+", arn):
                raise AwsError("InvalidParameterException", f"not a role ARN: {arn!r}")
        with self._lock:
            self._roles[pool_id] = dict(roles)
        return {}

    def get_identity_pool_roles(self, account_id: str, body: dict) -> dict:
        pool_id = body.get("IdentityPoolId")
        self._pool(account_id, pool_id)
        with self._lock:
            return {"IdentityPoolId": pool_id, "Roles": dict(self._roles.get(pool_id) or {})}

    def issued_credentials(self, access_key_id: str) -> dict | None:
        """Who temporary credentials were issued to, as IAM auth resolves a caller."""
        with self._lock:
            return self._issued.get(access_key_id)

    def pool_of(self, identity_id: str) -> str | None:
        """The identity pool an identity belongs to, if it is known."""
        with self._lock:
            identity = self._by_id.get(identity_id)
            return identity.identity_pool_id if identity else None

    def describe_identity(self, account_id: str, body: dict) -> dict:
        with self._lock:
            return self._known_identity(body.get("IdentityId")).describe()


def iam_role(account_id: str, role_arn: str):
    """A role of moto's IAM by ARN, or None."""
    try:
        return iam_backends[account_id]["aws"].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - moto's NotFoundException, or no such backend
        return None


def role_documents(role) -> list[str]:
    """A role's policy documents: its inline policies and its managed policies' defaults."""
    documents = list(role.policies.values())
    for policy in role.managed_policies.values():
        documents.extend(v.document for v in policy.versions if v.is_default)
    return documents


# --------------------------------------------------------------------------
# Credentials scoped by the identity pool's role
# --------------------------------------------------------------------------


def _request_credential(environ: dict) -> tuple[str | None, str | None, str | None]:
    """(access key id, region, service) of a SigV4 request: header or presigned query."""
    match = re.search(
        r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request", environ.get("HTTP_AUTHORIZATION", "")
    )
    if match:
        return match.group(1), match.group(2), match.group(3)
    credential = (parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential") or [""])[0]
    parts = credential.split("/")
    if len(parts) == 5 and parts[4] == "aws4_request":
        return parts[0], parts[2], parts[3]
    return None, None, None


def _s3_bucket_and_key(environ: dict) -> tuple[str, str]:
    """The bucket and key of an S3 request, read the way moto's S3 reads them."""
    request = MotoRequest(environ)
    path = unquote(request.raw_path)
    if S3Response.subdomain_based_buckets(request):
        host = request.headers.get("host", "")
        return host.split(".", 1)[0], path[1:] if path.startswith("/") else path
    parts = path.split("/")
    return (parts[1] if len(parts) > 1 else ""), "/".join(parts[2:])


class ScopedCredentials:
    """Evaluates S3 and DynamoDB requests signed with credentials the emulator issued
    against the policies of the role they were issued for (role_policy.py).

    Requests signed with any other key (the tests' admin keys) are not checked, nor
    are those of credentials from a pool without roles.
    """

    def __init__(self, identity: CognitoIdentity) -> None:
        self.identity = identity

    def principal(self, access_key: str | None) -> tuple[dict, list[dict]] | None:
        """(issued entry, policy statements) for a scoped access key, else None."""
        issued = self.identity.issued_credentials(access_key) if access_key else None
        if not issued or not issued.get("roleArn"):
            return None
        role = iam_role(issued["accountId"], issued["roleArn"])
        # A role deleted since: nothing is allowed.
        statements = role_policy.statements_of(role_documents(role)) if role else []
        return issued, statements

    @staticmethod
    def _context(issued: dict) -> dict:
        return role_policy.principal_context(
            issued["identityId"], issued["identityPoolId"], issued["accountId"],
            issued["logins"], issued["authenticated"], issued.get("principalTags"),
        )

    @staticmethod
    def session_arn(issued: dict) -> str:
        role_name = issued["roleArn"].rsplit("/", 1)[-1]
        return f"arn:aws:sts::{issued['accountId']}:assumed-role/{role_name}/CognitoIdentityCredentials"

    def s3_denied(self, environ: dict) -> tuple[role_policy.Authorization | None, dict] | None:
        """The first S3 authorization a scoped request lacks: (request or None, issued)."""
        access_key, region, _ = _request_credential(environ)
        scoped = self.principal(access_key)
        if scoped is None:
            return None
        issued, statements = scoped
        bucket, key = _s3_bucket_and_key(environ)
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        method = environ.get("REQUEST_METHOD", "GET")
        body = _read_body(environ) if method == "POST" and "delete" in query else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        requests = role_policy.s3_request(
            method, bucket, key, query, headers, body, self._context(issued), region or "us-east-1",
            environ.get("wsgi.url_scheme") == "https",
        )
        return role_policy.first_denied(statements, requests), issued

    def dynamodb_denied(self, environ: dict, operation: str, body: Any) -> tuple[role_policy.Authorization | None, dict] | None:
        access_key, region, _ = _request_credential(environ)
        scoped = self.principal(access_key)
        if scoped is None:
            return None
        issued, statements = scoped
        region = region or "us-east-1"
        account_id = issued["accountId"]

        def partition_key_of(table: Any) -> str | None:
            try:
                return dynamodb_backends[account_id][region].get_table(table).hash_key_attr or None
            except Exception:  # noqa: BLE001 - no such table: DynamoDB answers that itself
                return None

        requests = role_policy.dynamodb_requests(
            operation, body, partition_key_of, self._context(issued), region, account_id,
            environ.get("wsgi.url_scheme") == "https",
        )
        return role_policy.first_denied(statements, requests), issued


def _not_authorized_message(session_arn: str, denied: role_policy.Authorization) -> str:
    return (
        f"User: {session_arn} is not authorized to perform: {denied.action} on resource: "
        f"{denied.resource} because no identity-based policy allows the {denied.action} action"
    )


def _s3_access_denied(environ: dict, session_arn: str, denied: role_policy.Authorization) -> Response:
    """S3's 403 AccessDenied (XML; HEAD answers carry no body, as S3's do)."""
    request_id = secrets.token_hex(8).upper()
    if environ.get("REQUEST_METHOD") == "HEAD":
        response = Response(b"", status=403, content_type="application/xml")
    else:
        message = _not_authorized_message(session_arn, denied)
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            f"<Message>{xml_escape(message)}</Message><RequestId>{request_id}</RequestId>"
            f"<HostId>{base64.b64encode(secrets.token_bytes(24)).decode()}</HostId></Error>"
        )
        response = Response(body, status=403, content_type="application/xml")
    response.headers["x-amz-request-id"] = request_id
    return _with_browser_cors(response, environ)


def _dynamodb_access_denied(environ: dict, session_arn: str, denied: role_policy.Authorization) -> Response:
    """DynamoDB's 400 AccessDeniedException (JSON 1.0)."""
    response = _json_response(
        {
            "__type": "com.amazon.coral.service#AccessDeniedException",
            "Message": _not_authorized_message(session_arn, denied),
        },
        400,
        "application/x-amz-json-1.0",
    )
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return _with_browser_cors(response, environ)


def _unsupported_policy(environ: dict, error: role_policy.UnsupportedPolicy) -> Response:
    response = _json_response(
        {"__type": "EmulatorUnsupportedPolicy", "message": f"the emulator cannot evaluate the role's policy: {error}"},
        500,
    )
    return _with_browser_cors(response, environ)


# --------------------------------------------------------------------------
# Call log and JWKS switch
# --------------------------------------------------------------------------


class CallLog:
    """Thread-safe, ordered record of the AWS calls the emulator received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[dict] = []

    def add(self, entry: dict) -> None:
        with self._lock:
            self._calls.append(entry)

    def snapshot(self) -> list[dict]:
        with self._lock:
            return [dict(c) for c in self._calls]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


class JwksSwitch:
    """How the JWKS endpoint answers: normally, with 503, or after a delay.

    A mode can be set for one user pool, so that tests running in parallel
    against the same emulator, each with its own pool, do not disturb each
    other; a mode set without a pool is the default for every other pool.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._default: dict = {"mode": "ok"}
        self._pools: dict[str, dict] = {}

    @staticmethod
    def _parse(request: Any) -> dict:
        mode = request.get("mode") if isinstance(request, dict) else None
        if mode in ("ok", "down"):
            return {"mode": mode}
        if mode == "hang":
            seconds = request.get("seconds")
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
                raise ValueError("'hang' needs a non-negative number 'seconds'")
            return {"mode": "hang", "seconds": seconds}
        raise ValueError("mode must be one of 'ok', 'down', 'hang'")

    def set(self, request: Any) -> dict:
        """Apply ``{"mode": ..., "seconds"?: N, "pool"?: id}``.

        Without a pool this sets the default and drops every per-pool mode.
        """
        state = self._parse(request)
        pool = request.get("pool")
        if pool is not None and not isinstance(pool, str):
            raise ValueError("'pool' must be a user pool id")
        with self._lock:
            if pool:
                self._pools[pool] = state
            else:
                self._default = state
                self._pools.clear()
        return self.get()

    def get(self) -> dict:
        """The default mode, plus the per-pool ones under "pools"."""
        with self._lock:
            return {**self._default, "pools": {k: dict(v) for k, v in self._pools.items()}}

    def mode_for(self, pool: str) -> dict:
        with self._lock:
            return dict(self._pools.get(pool, self._default))


# --------------------------------------------------------------------------
# Faults: Cognito throttling or unavailable, for the next N calls
# --------------------------------------------------------------------------

# How Cognito answers when it throttles a call or cannot serve it: the error type,
# message and HTTP status SDKs classify (throttling; a retryable server error).
FAULT_ERRORS = {
    "throttled": ("TooManyRequestsException", "Rate exceeded", 400),
    "unavailable": ("InternalErrorException", "Service is temporarily unavailable", 500),
    # IAM's refusal of a caller without the permission (Cognito answers AccessDeniedException, 400).
    "denied": ("AccessDeniedException", "User is not authorized to perform this action on this resource", 400),
}


@dataclass
class Fault:
    """The next ``remaining`` calls of ``operation`` (in ``pool``, or any) fail as ``kind``."""

    operation: str
    kind: str
    remaining: int
    pool: str | None = None
    answered: int = 0

    def describe(self) -> dict:
        state = {"operation": self.operation, "kind": self.kind, "remaining": self.remaining, "answered": self.answered}
        return {**state, "pool": self.pool} if self.pool else state


class FaultSwitch:
    """Makes the next N calls of a Cognito operation answer as a throttled or
    unavailable Cognito would, so that callers' retries run against real answers.

    A fault can be limited to one pool (the call's ``UserPoolId``, ``IdentityPoolId``,
    or the pool of its ``IdentityId``), so that parallel tests do not disturb each other.
    Every SDK attempt is one call: an SDK that retries uses up one fault per attempt.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    @staticmethod
    def _parse(request: Any) -> Fault:
        if not isinstance(request, dict):
            raise ValueError("expected a JSON object")
        operation, kind, count, pool = (request.get(k) for k in ("operation", "kind", "count", "pool"))
        if not isinstance(operation, str) or not re.fullmatch(r"[A-Za-z]+", operation):
            raise ValueError("'operation' must be a Cognito operation name, e.g. \"GetId\"")
        if kind not in FAULT_ERRORS:
            raise ValueError(f"'kind' must be one of {', '.join(sorted(FAULT_ERRORS))}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError("'count' must be a non-negative integer (0 removes the fault)")
        if pool is not None and (not isinstance(pool, str) or not pool):
            raise ValueError("'pool' must be a user pool or identity pool id")
        return Fault(operation, kind, count, pool)

    def arm(self, request: Any) -> dict:
        """Apply ``{"operation", "kind", "count", "pool"?}``: it replaces any fault armed
        for the same operation and pool."""
        fault = self._parse(request)
        with self._lock:
            self._faults = [f for f in self._faults if (f.operation, f.pool) != (fault.operation, fault.pool)]
            if fault.remaining:
                self._faults.append(fault)
        return self.get()

    def take(self, operation: str, pool: str | None) -> AwsError | None:
        """The error this call answers with, using up one fault; None when none applies.
        A fault for the call's own pool comes before one for any pool."""
        with self._lock:
            candidates = [f for f in self._faults if f.operation == operation and f.remaining and f.pool in (pool, None)]
            if not candidates:
                return None
            fault = min(candidates, key=lambda f: f.pool is None)
            fault.remaining -= 1
            fault.answered += 1
        error_type, message, status = FAULT_ERRORS[fault.kind]
        return AwsError(error_type, message, status)

    def get(self) -> dict:
        """Every fault armed, with what is left of it and how many calls it answered."""
        with self._lock:
            return {"faults": [f.describe() for f in self._faults]}

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


# --------------------------------------------------------------------------
# User pool sign-in: the server side of SRP, and GetTokensFromRefreshToken
# --------------------------------------------------------------------------
#
# moto 5.2.5 only mimics SRP's messages (USER_ID_FOR_SRP is an internal id, the
# proof is never checked, so any password passes) and answers
# GetTokensFromRefreshToken, Amplify v6's refresh call, with an HTML page.
# Real clients (Amplify, the CLI's aws-cognito-srp) need both for real.

# The 3072-bit group of RFC 5054 that Cognito uses, g = 2.
SRP_N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
SRP_G = 2
SRP_SESSION_SECONDS = 180
INCORRECT_PASSWORD = "Incorrect username or password."


def srp_pad_hex(value: int) -> str:
    """Hex of a non-negative number as Cognito's SRP clients pad it.

    Even length, and a leading ``00`` when the top bit is set (a positive
    two's-complement number): Amplify's ``padHex`` and aws-cognito-srp agree.
    """
    text = format(value, "x")
    if len(text) % 2:
        text = "0" + text
    elif text[0] in "89abcdef":
        text = "00" + text
    return text


def _sha256_hex(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


SRP_K = int(_sha256_hex(srp_pad_hex(SRP_N) + srp_pad_hex(SRP_G)), 16)


def srp_verifier(pool_name: str, username: str, password: str, salt_hex: str) -> int:
    """v = g^x with x = H(salt | H(pool name | username | ":" | password))."""
    inner = hashlib.sha256(f"{pool_name}{username}:{password}".encode("utf-8")).hexdigest()
    x = int(_sha256_hex(srp_pad_hex(int(salt_hex, 16)) + inner), 16)
    return pow(SRP_G, x, SRP_N)


def srp_server_key(a_value: int, b_value: int, b_secret: int, verifier: int) -> bytes:
    """The 16-byte key both sides derive: HKDF over S = (A·v^u)^b, salted by u."""
    u = int(_sha256_hex(srp_pad_hex(a_value) + srp_pad_hex(b_value)), 16)
    if u == 0:
        raise not_authorized(INCORRECT_PASSWORD)
    s = pow(a_value * pow(verifier, u, SRP_N), b_secret, SRP_N)
    prk = hmac.new(bytes.fromhex(srp_pad_hex(u)), bytes.fromhex(srp_pad_hex(s)), hashlib.sha256).digest()
    return hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]


def srp_claim_signature(key: bytes, pool_name: str, user_id: str, secret_block_b64: str, timestamp: str) -> bytes:
    """PASSWORD_CLAIM_SIGNATURE: HMAC-SHA256(key, pool | user | secret block | timestamp)."""
    message = pool_name.encode() + user_id.encode() + base64.b64decode(secret_block_b64) + timestamp.encode()
    return hmac.new(key, message, hashlib.sha256).digest()


@dataclass
class SrpChallenge:
    """One outstanding PASSWORD_VERIFIER challenge, keyed by its secret block."""

    account_id: str
    region: str
    user_pool_id: str
    client_id: str
    username: str
    moto_session: str
    a_value: int
    b_value: int
    b_secret: int
    verifier: int
    expires: float


def _moto_error(error: Exception) -> AwsError:
    """moto's Cognito exceptions carry the AWS error type and message."""
    error_type = getattr(error, "error_type", None)
    if isinstance(error_type, str):
        return AwsError(error_type.split("#")[-1], getattr(error, "message", str(error)), getattr(error, "code", 400))
    raise error


class UserPoolSignIn:
    """InitiateAuth USER_SRP_AUTH, RespondToAuthChallenge PASSWORD_VERIFIER and
    GetTokensFromRefreshToken, answered as Cognito does; moto keeps the users,
    the sessions and mints the tokens.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._challenges: dict[str, SrpChallenge] = {}

    def reset(self) -> None:
        with self._lock:
            self._challenges.clear()

    def handles(self, operation: str, body: Any) -> bool:
        """Only the calls moto gets wrong; everything else stays moto's."""
        if not isinstance(body, dict):
            return operation == "GetTokensFromRefreshToken"
        if operation == "InitiateAuth":
            return body.get("AuthFlow") == "USER_SRP_AUTH"
        if operation == "RespondToAuthChallenge":
            return body.get("ChallengeName") == "PASSWORD_VERIFIER"
        return operation == "GetTokensFromRefreshToken"

    def answer(self, operation: str, account_id: str, body: Any) -> dict:
        if not isinstance(body, dict):
            raise AwsError("SerializationException", "Request body is not a JSON object.")
        if operation == "InitiateAuth":
            return self.initiate_srp(account_id, body)
        if operation == "RespondToAuthChallenge":
            return self.verify_password_claim(body)
        return self.tokens_from_refresh_token(body)

    @staticmethod
    def _pool_of_client(client_id: Any) -> tuple[str, str, Any, Any]:
        """(account, region, moto backend, moto pool) of an app client id."""
        if isinstance(client_id, str) and client_id:
            for account_id, regions in cognitoidp_backends.items():
                for region, backend in regions.items():
                    if region == "global":
                        continue
                    for pool in backend.user_pools.values():
                        if client_id in pool.clients:
                            return account_id, region, backend, pool
        raise AwsError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")

    def initiate_srp(self, _account_id: str, body: dict) -> dict:
        client_id = body.get("ClientId")
        params = body.get("AuthParameters") or {}
        if not isinstance(params, dict):
            raise AwsError("InvalidParameterException", "AuthParameters must be a map.")
        account_id, region, backend, pool = self._pool_of_client(client_id)
        try:
            a_value = int(str(params.get("SRP_A", "")), 16)
        except ValueError:
            raise AwsError("InvalidParameterException", "SRP_A must be a hex number.") from None
        if a_value % SRP_N == 0:
            raise AwsError("InvalidParameterException", "SRP_A cannot be 0 modulo N.")
        try:
            # moto's own checks (user exists, enabled, confirmed, secret hash) and its session.
            started = backend.initiate_auth(client_id, "USER_SRP_AUTH", params)
            user = backend.admin_get_user(pool.id, params.get("USERNAME"))
        except Exception as error:  # noqa: BLE001 - moto raises its own AWS errors
            raise _moto_error(error) from None
        salt = secrets.token_hex(16)
        verifier = srp_verifier(pool.id.split("_", 1)[1], user.username, user.password or "", salt)
        b_secret = secrets.randbelow(SRP_N - 2) + 1
        b_value = (SRP_K * verifier + pow(SRP_G, b_secret, SRP_N)) % SRP_N
        secret_block = base64.b64encode(secrets.token_bytes(64)).decode("ascii")
        challenge = SrpChallenge(
            account_id, region, pool.id, client_id, user.username, started["Session"],
            a_value, b_value, b_secret, verifier, time.time() + SRP_SESSION_SECONDS,
        )
        with self._lock:
            now = time.time()
            for key in [k for k, c in self._challenges.items() if c.expires < now]:
                del self._challenges[key]
            self._challenges[secret_block] = challenge
        return {
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeParameters": {
                "SALT": salt,
                "SRP_B": format(b_value, "x"),
                "USERNAME": user.username,
                "USER_ID_FOR_SRP": user.username,
                "SECRET_BLOCK": secret_block,
            },
        }

    def verify_password_claim(self, body: dict) -> dict:
        responses = body.get("ChallengeResponses") or {}
        if not isinstance(responses, dict):
            raise AwsError("InvalidParameterException", "ChallengeResponses must be a map.")
        secret_block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK")
        with self._lock:
            # One try per challenge, as with Cognito: a replayed block is refused.
            challenge = self._challenges.pop(secret_block, None) if isinstance(secret_block, str) else None
        if challenge is None or challenge.expires < time.time() or challenge.client_id != body.get("ClientId"):
            raise not_authorized("Invalid session for the user.")
        if responses.get("USERNAME") != challenge.username:
            raise not_authorized(INCORRECT_PASSWORD)
        timestamp = responses.get("TIMESTAMP")
        try:
            claimed = base64.b64decode(str(responses.get("PASSWORD_CLAIM_SIGNATURE", "")), validate=True)
        except (ValueError, binascii.Error):
            claimed = b""
        if not isinstance(timestamp, str) or not timestamp:
            raise AwsError("InvalidParameterException", "TIMESTAMP is required.")
        key = srp_server_key(challenge.a_value, challenge.b_value, challenge.b_secret, challenge.verifier)
        expected = srp_claim_signature(
            key, challenge.user_pool_id.split("_", 1)[1], challenge.username, secret_block, timestamp
        )
        if not hmac.compare_digest(claimed, expected):
            raise not_authorized(INCORRECT_PASSWORD)
        backend = cognitoidp_backends[challenge.account_id][challenge.region]
        moto_responses = dict(responses, PASSWORD_CLAIM_SECRET_BLOCK=challenge.moto_session)
        try:
            # moto takes it from here: new-password and MFA challenges, or the tokens.
            return backend.respond_to_auth_challenge(
                challenge.moto_session, challenge.client_id, "PASSWORD_VERIFIER", moto_responses
            )
        except Exception as error:  # noqa: BLE001
            raise _moto_error(error) from None

    def tokens_from_refresh_token(self, body: dict) -> dict:
        """Amplify v6's refresh: moto's REFRESH_TOKEN_AUTH, checked like Cognito."""
        if not isinstance(body, dict):
            raise AwsError("SerializationException", "Request body is not a JSON object.")
        client_id, refresh_token = body.get("ClientId"), body.get("RefreshToken")
        _, _, _, pool = self._pool_of_client(client_id)
        issued = pool.refresh_tokens.get(refresh_token) if isinstance(refresh_token, str) else None
        if not issued or issued[0] != client_id:
            raise not_authorized("Invalid Refresh Token")
        client = pool.clients[client_id]
        if client.generate_secret and not hmac.compare_digest(
            str(body.get("ClientSecret", "")).encode(), str(client.secret).encode()
        ):
            raise not_authorized(f"Client {client_id} is configured with secret but ClientSecret was not received")
        try:
            access_token, id_token, expires_in = pool.create_tokens_from_refresh_token(refresh_token)
        except Exception as error:  # noqa: BLE001
            raise _moto_error(error) from None
        return {
            "AuthenticationResult": {
                "AccessToken": access_token,
                "IdToken": id_token,
                "ExpiresIn": expires_in,
                "TokenType": "Bearer",
            }
        }


# --------------------------------------------------------------------------
# DynamoDB: moto's, logged per table and run one request at a time
# --------------------------------------------------------------------------

# X-Amz-Target prefix of DynamoDB's JSON 1.0 protocol.
DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810"


def dynamodb_tables(body: Any) -> list[str]:
    """The tables a DynamoDB request names, in order, for the call log."""
    if not isinstance(body, dict):
        return []
    names: list[str] = []
    if isinstance(body.get("TableName"), str):
        names.append(body["TableName"])
    if isinstance(body.get("RequestItems"), dict):
        names.extend(body["RequestItems"])
    transact_items = body.get("TransactItems")
    for item in transact_items if isinstance(transact_items, list) else []:
        for operation in item.values() if isinstance(item, dict) else []:
            if isinstance(operation, dict) and isinstance(operation.get("TableName"), str):
                names.append(operation["TableName"])
    return list(dict.fromkeys(names))


class DynamoDbSerializer:
    """Runs moto's DynamoDB requests one at a time.

    DynamoDB transactions are isolated; moto's are not under a threaded server: a
    TransactWriteItems that fails restores a copy of the table taken when it started,
    undoing any write another thread made meanwhile. One lock around moto's DynamoDB
    makes every request atomic, as the real service is for the operations tests use.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def call(self, moto_app: WSGIApp, environ: dict, start_response: Callable) -> Iterable[bytes]:
        with self._lock:
            # Flask has answered once it returns; reading the body inside the lock
            # keeps the whole request in it.
            return list(moto_app(environ, start_response))


# --------------------------------------------------------------------------
# WSGI layer
# --------------------------------------------------------------------------


def _read_body(environ: dict) -> bytes:
    """Read the request body and put it back so moto can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _signing_scope(environ: dict) -> tuple[str | None, str | None]:
    """(region, service) from a SigV4 Authorization header, if any."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    match = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", auth)
    return (match.group(1), match.group(2)) if match else (None, None)


def _access_key(environ: dict) -> str | None:
    match = re.search(r"Credential=([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return match.group(1) if match else None


def _account_id(environ: dict, body: dict) -> str:
    """The account a request acts in, resolved the way moto's server does.

    Cognito Identity's GetId and GetCredentialsForIdentity are unsigned, so
    for them this normally falls through to moto's default account, which
    is also where signed calls with the dummy credentials create pools.
    """
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return environ["HTTP_X_MOTO_ACCOUNT_ID"]
    if isinstance(body.get("AccountId"), str) and body["AccountId"]:
        return body["AccountId"]
    key = _access_key(environ)
    if key:
        from moto.iam.models import get_account_id_from

        return get_account_id_from(key)
    return DEFAULT_ACCOUNT_ID


def _json_response(payload: Any, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(json.dumps(payload), status=status, content_type=content_type)


def _aws_error_response(error: AwsError) -> Response:
    response = _json_response(
        {"__type": error.error_type, "message": error.message}, error.status, JSON_11
    )
    response.headers["x-amzn-ErrorType"] = error.error_type
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


def _preflight_of_the_bucket(environ: dict) -> dict:
    """A CORS preflight of an object, asked of its bucket.

    S3 answers a preflight from the bucket's CORS rules alone. moto does too, except for
    a key that exists: it then treats the (never signed) preflight as an anonymous read
    of the object and answers 403, so a page could not read or tag its own objects.
    """
    bucket, key = _s3_bucket_and_key(environ)
    if not bucket or not key:
        return environ
    path = "/" if S3Response.subdomain_based_buckets(MotoRequest(environ)) else f"/{bucket}"
    return {**environ, "PATH_INFO": path, "RAW_URI": path, "REQUEST_URI": path, "QUERY_STRING": ""}


def _preflight_headers_listed(environ: dict, start_response: Callable) -> Callable:
    """S3's preflight answer for a rule with AllowedHeaders "*" lists the requested headers.

    moto answers ``Access-Control-Allow-Headers: *``, which browsers do not read as
    allowing ``Authorization`` (the Fetch standard excludes it from the wildcard), so a
    signed request from a page would never be sent; S3 itself echoes what was asked.
    """
    requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
    if not requested:
        return start_response

    def listed(status: str, headers: list, exc_info: Any = None) -> Callable:
        headers = [
            (name, requested if name.lower() == "access-control-allow-headers" and value.strip() == "*" else value)
            for name, value in headers
        ]
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    return listed


def _with_browser_cors(response: Response, environ: dict) -> Response:
    """CORS headers on the answers this layer writes itself, as Cognito sends them.

    Browsers (Amplify) call Cognito directly; moto's own answers and preflights
    already carry these headers (flask-cors), ours must too.
    """
    origin = environ.get("HTTP_ORIGIN")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Expose-Headers"] = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, Date"
    return response


class EmulatorApp:
    """WSGI app: control endpoints, call log, Cognito Identity, then moto."""

    def __init__(self, moto_app: WSGIApp) -> None:
        # Cognito's and S3's rules that moto lacks, patched into moto's models.
        user_pool_rules.install()
        s3_eventbridge.install()
        # The CloudTrail events of AdminDeleteUser / DeleteUser, and DeleteUser itself.
        cloudtrail_events.install()
        # The pool's Pre Token Generation trigger, run as a local Lambda process.
        pre_token_trigger.install()
        self.moto_app = moto_app
        self.calls = CallLog()
        self.jwks = JwksSwitch()
        self.faults = FaultSwitch()
        self.identity = CognitoIdentity()
        self.sign_in = UserPoolSignIn()
        self.dynamodb = DynamoDbSerializer()
        # EventBridge Pipes from DynamoDB streams to SQS, reading under the same lock.
        directory_stream_pipe.install(self.dynamodb._lock)
        self.dynamodb_faults = dynamodb_faults.DynamoDbFaults.from_env()
        # S3's SlowDown and InternalError answers, armed per bucket and operation.
        self.s3_faults = s3_faults.S3Faults()
        self.scoped = ScopedCredentials(self.identity)
        self.intercepted: dict[str, Callable[[str, dict], dict]] = {
            "GetId": self.identity.get_id,
            "GetCredentialsForIdentity": self.identity.get_credentials_for_identity,
            "DescribeIdentity": self.identity.describe_identity,
            "SetIdentityPoolRoles": self.identity.set_identity_pool_roles,
            "GetIdentityPoolRoles": self.identity.get_identity_pool_roles,
            "DeleteIdentities": self.identity.lifecycle.delete_identities,
            "SetPrincipalTagAttributeMap": self.identity.principal_tags.set_map,
            "GetPrincipalTagAttributeMap": self.identity.principal_tags.get_map,
        }

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")

        if path.startswith("/_emulator/"):
            return self.control(environ, method, path)(environ, start_response)
        if path.startswith("/moto-api"):
            # moto's own test API; not an AWS call.
            if path.rstrip("/") == "/moto-api/reset" and method == "POST":
                self.identity.reset()
                self.sign_in.reset()
                self.faults.clear()
                self.s3_faults.clear()
            return self.moto_app(environ, start_response)

        target = environ.get("HTTP_X_AMZ_TARGET", "")
        well_known = WELL_KNOWN_RE.match(path)
        if well_known and method in ("GET", "HEAD"):
            return self.well_known(environ, start_response, *well_known.groups())
        if target:
            return self.targeted(environ, start_response, target)
        entry = self.describe_untargeted(environ, method, path)
        if entry["service"] == "s3" or _request_credential(environ)[2] == "s3":
            try:
                verdict = self.scoped.s3_denied(environ)
            except role_policy.UnsupportedPolicy as error:
                self.calls.add(entry)
                return _unsupported_policy(environ, error)(environ, start_response)
            if verdict and verdict[0]:
                denied, issued = verdict
                self.calls.add({**entry, "denied": denied.action})
                return _s3_access_denied(environ, ScopedCredentials.session_arn(issued), denied)(environ, start_response)
            fault = self.s3_faults.fault_for(environ)
            if fault:
                response, code = fault
                self.calls.add({**entry, "fault": code})
                return response(environ, start_response)
        self.calls.add(entry)
        if method == "OPTIONS" and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            return self.moto_app(_preflight_of_the_bucket(environ), _preflight_headers_listed(environ, start_response))
        return self.moto_app(environ, start_response)

    # -- AWS traffic ------------------------------------------------------

    def targeted(self, environ: dict, start_response: Callable, target: str) -> Iterable[bytes]:
        """JSON-protocol call: log it, and answer Cognito Identity ourselves."""
        prefix, _, operation = target.partition(".")
        service = TARGET_SERVICES.get(prefix) or _signing_scope(environ)[1] or prefix
        if prefix == DYNAMODB_TARGET_PREFIX:
            return self.dynamodb_call(environ, start_response, operation)
        if service not in ("cognito-identity", "cognito-idp"):
            self.calls.add({"service": service, "operation": operation})
            return self.moto_app(environ, start_response)

        try:
            body = json.loads(_read_body(environ) or b"{}")
        except (ValueError, UnicodeDecodeError):
            body = None
        entry = {"service": service, "operation": operation}
        pool = self.pool_named(body) if isinstance(body, dict) else None
        if pool:
            entry["pool"] = pool
        fault = self.faults.take(operation, pool)
        if fault:
            entry["fault"] = fault.error_type
        self.calls.add(entry)
        if fault:
            return _with_browser_cors(_aws_error_response(fault), environ)(environ, start_response)

        answer: Callable[[str, dict], dict]
        if service == "cognito-idp" and self.sign_in.handles(operation, body):
            def answer(account_id: str, request: dict) -> dict:
                return self.sign_in.answer(operation, account_id, request)
        elif service == "cognito-identity" and operation in self.intercepted:
            answer = self.intercepted[operation]
        else:
            return self.moto_app(environ, start_response)
        try:
            if not isinstance(body, dict):
                raise AwsError("SerializationException", "Request body is not a JSON object.")
            result = answer(_account_id(environ, body), body)
            response = _json_response(result, content_type=JSON_11)
            response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
        except AwsError as error:
            response = _aws_error_response(error)
        return _with_browser_cors(response, environ)(environ, start_response)

    def dynamodb_call(self, environ: dict, start_response: Callable, operation: str) -> Iterable[bytes]:
        """A DynamoDB call: logged with the table it names (so parallel tests, each with
        its own table, count their own calls), then answered by moto, one at a time."""
        try:
            body = json.loads(_read_body(environ) or b"{}")
        except (ValueError, UnicodeDecodeError):
            body = None
        entry = {"service": "dynamodb", "operation": operation}
        tables = dynamodb_tables(body)
        if tables:
            entry["table"] = tables[0]
        try:
            verdict = self.scoped.dynamodb_denied(environ, operation, body)
        except role_policy.UnsupportedPolicy as error:
            self.calls.add(entry)
            return _unsupported_policy(environ, error)(environ, start_response)
        if verdict and verdict[0]:
            denied, issued = verdict
            self.calls.add({**entry, "denied": denied.action})
            return _dynamodb_access_denied(environ, ScopedCredentials.session_arn(issued), denied)(environ, start_response)
        self.calls.add(entry)
        answer = lambda: self.dynamodb.call(self.moto_app, environ, start_response)  # noqa: E731
        return self.dynamodb_faults.call(operation, body, answer, environ, start_response)

    def pool_named(self, body: dict) -> str | None:
        """The user or identity pool a Cognito call is about, for the call log.

        Lets a test pick out the calls made for its own pool while other
        tests share the emulator.
        """
        for key in ("UserPoolId", "IdentityPoolId"):
            if isinstance(body.get(key), str):
                return body[key]
        identity_id = body.get("IdentityId")
        if isinstance(identity_id, str):
            return self.identity.pool_of(identity_id)
        to_delete = body.get("IdentityIdsToDelete")
        if isinstance(to_delete, list) and to_delete and isinstance(to_delete[0], str):
            return self.identity.pool_of(to_delete[0])
        return None

    def well_known(self, environ: dict, start_response: Callable, pool: str, name: str) -> Iterable[bytes]:
        """User pool discovery documents; JWKS obeys the availability switch."""
        if name == "openid-configuration":
            self.calls.add({"service": "cognito-idp", "operation": "GetOpenIdConfiguration", "pool": pool})
            return self.moto_app(environ, start_response)
        self.calls.add({"service": "jwks", "operation": "GetJwks", "pool": pool})
        state = self.jwks.mode_for(pool)
        if state["mode"] == "down":
            return _json_response({"message": "Service Unavailable"}, 503)(environ, start_response)
        if state["mode"] == "hang":
            time.sleep(state["seconds"])
        return self.moto_app(environ, start_response)

    @staticmethod
    def describe_untargeted(environ: dict, method: str, path: str) -> dict:
        """Name a query- or REST-protocol call as well as the request allows."""
        region, service = _signing_scope(environ)
        action = None
        content_type = environ.get("CONTENT_TYPE", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_qs(_read_body(environ).decode("utf-8", "replace"))
            action = (form.get("Action") or [None])[0]
        if not action:
            action = (parse_qs(environ.get("QUERY_STRING", "")).get("Action") or [None])[0]
        return {"service": service or "unknown", "operation": action or f"{method} {path}"}

    # -- control API ------------------------------------------------------

    def control(self, environ: dict, method: str, path: str) -> Response:
        """Test-only endpoints under /_emulator/."""
        route = path[len("/_emulator/"):].rstrip("/")
        if route == "health" and method == "GET":
            return _json_response({"ok": True})
        if route == "calls" and method == "GET":
            return _json_response({"calls": self.calls.snapshot()})
        if route == "calls" and method == "DELETE":
            self.calls.clear()
            return _json_response({"ok": True})
        if route == "jwks" and method == "GET":
            return _json_response(self.jwks.get())
        if route == "jwks" and method == "POST":
            try:
                return _json_response(self.jwks.set(json.loads(_read_body(environ) or b"{}")))
            except ValueError as error:
                return _json_response({"error": str(error)}, 400)
        if route == "faults" and method == "GET":
            return _json_response(self.faults.get())
        if route == "faults" and method == "POST":
            try:
                return _json_response(self.faults.arm(json.loads(_read_body(environ) or b"{}")))
            except ValueError as error:
                return _json_response({"error": str(error)}, 400)
        if route == "faults" and method == "DELETE":
            self.faults.clear()
            return _json_response(self.faults.get())
        if route == "sign" and method == "POST":
            try:
                request = json.loads(_read_body(environ) or b"{}")
                claims, header = request.get("claims"), request.get("header")
                if not isinstance(claims, dict) or not isinstance(header or {}, dict):
                    raise ValueError("'claims' (and optional 'header') must be objects")
                return _json_response({"token": sign_token(claims, header)})
            except (ValueError, TypeError, AttributeError, JoseError) as error:
                return _json_response({"error": str(error)}, 400)
        if route in ("identities/merge", "identities/unprocessed") and method == "POST":
            lifecycle = self.identity.lifecycle
            control = lifecycle.merge if route.endswith("merge") else lifecycle.arm_unprocessed
            try:
                return _json_response(control(json.loads(_read_body(environ) or b"{}")))
            except ValueError as error:
                return _json_response({"error": str(error)}, 400)
        if route == "lambda-functions" or route.startswith("lambda-functions/"):
            return _json_response(*pre_token_trigger.FUNCTIONS.control(method, route, _read_body(environ)))
        if route == "s3-faults":
            return _json_response(*self.s3_faults.control(method, environ.get("QUERY_STRING", ""), _read_body(environ)))
        if route == "dynamodb-faults":
            return _json_response(*self.dynamodb_faults.control(method, environ.get("QUERY_STRING", ""), _read_body(environ)))
        if route.startswith("credentials/") and method == "GET":
            issued = self.identity.issued_credentials(route[len("credentials/"):])
            if issued is None:
                return _json_response({"error": "unknown access key id"}, 404)
            return _json_response(issued)
        return _json_response({"error": f"no such control endpoint: {method} {path}"}, 404)


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------


def _loopback_only(host: str) -> str:
    """Refuse to listen anywhere but on this machine's loopback interface."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise SystemExit(f"refusing to bind to non-loopback address {host!r}")


def _write_ready_file(path: str, url: str) -> None:
    """Write atomically so a polling reader sees either nothing or the URL."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".ready-", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(url)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _request_handler(verbose: bool) -> type:
    class Handler(MotoRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            if verbose:
                super().log_request(code, size)

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--ready-file", help="write the base URL here once ready")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    host = _loopback_only(args.host)

    app = EmulatorApp(DomainDispatcherApplication(create_backend_app))
    server = make_server(host, args.port, app, threaded=True, request_handler=_request_handler(args.verbose))
    port = server.server_port
    # moto builds some self-referencing URLs (e.g. openid-configuration) from this.
    os.environ["MOTO_PORT"] = str(port)

    def request_stop(*_: Any) -> None:
        # shutdown() waits for serve_forever() to return, so it must not run
        # on the main thread, which is the one serving.
        threading.Thread(target=server.shutdown, daemon=True).start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)

    url_host = f"[{host}]" if ":" in host else host
    url = f"http://{url_host}:{port}"
    if args.ready_file:
        _write_ready_file(args.ready_file, url)
    # The socket is already listening, so connections made from now on queue
    # up even before serve_forever() starts accepting them.
    print(f"READY {url}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        pre_token_trigger.FUNCTIONS.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
