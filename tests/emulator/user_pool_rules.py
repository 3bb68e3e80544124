"""Cognito user pool rules that moto does not keep, added to moto's own models.

``install()`` patches moto's Cognito classes in place (idempotent), so every path
that reaches them (moto's request handlers and the emulator's own sign-in code)
behaves as Cognito does. What Cognito does, and where AWS documents it:

* **UpdateUserPoolClient replaces the client's configuration.** API reference,
  UpdateUserPoolClient, and the developer guide's "Updating user pool and app
  client configuration" (cognito-user-pool-updating.html): "If you don't provide a
  value for an attribute, Amazon Cognito sets it to its default value. When you
  submit an update request with just one parameter, Amazon Cognito sets that
  parameter to the value of your choosing and sets all others to a default value."
  moto merges instead. Here every field the request does not carry is dropped and
  the defaults come back: ``RefreshTokenValidity`` 30, ``AuthSessionValidity`` 3,
  ``EnableTokenRevocation`` true, ``EnablePropagateAdditionalUserContextData`` false,
  ``AllowedOAuthFlowsUserPoolClient`` false (the values moto gives a new client) and
  ``PreventUserExistenceErrors`` ``LEGACY`` ("Defaults to LEGACY when you don't
  provide a value"). Fields whose default is "not set" (``ReadAttributes``,
  ``WriteAttributes``, ``ExplicitAuthFlows``, ``AccessTokenValidity``,
  ``IdTokenValidity``, ``TokenValidityUnits``, ``CallbackURLs``, ``LogoutURLs``,
  ``DefaultRedirectURI``, ``AllowedOAuthFlows``, ``AllowedOAuthScopes``,
  ``SupportedIdentityProviders``, ``AnalyticsConfiguration``,
  ``RefreshTokenRotation``) disappear from DescribeUserPoolClient, as Cognito only
  returns what is set (UserPoolClientType: "Amazon Cognito only populates
  ReadAttributes in the API response if you have specified your own custom set").
  ``ClientName`` has no default; it is kept when not sent. The client id and
  secret never change.
* **Read/WriteAttributes name attributes of the pool.** A list naming an attribute
  the pool does not have is refused: ``InvalidParameterException`` "Invalid write
  attributes specified while updating a client" (…read…, …creating…), the answer
  Cognito gives (reported with AddCustomAttributes + UpdateUserPoolClient).
* **WriteAttributes.** UserPoolClientType.WriteAttributes: "their access token
  authorizes them to set or modify their own attribute value for any attribute in
  this list." A user writing (UpdateUserAttributes with an access token, or SignUp)
  an attribute outside the client's list gets ``NotAuthorizedException`` "A client
  attempted to write unauthorized attribute", Cognito's answer. When the list is
  not set, the API reference speaks of the standard attributes, but a client created
  through the API without a list lets its users write every mutable attribute,
  custom ones included (the privilege-escalation write-ups on
  ``aws.cognito.signin.user.admin``); that is what this models, because that is the
  hole ``adopt`` closes. ``email_verified`` and ``phone_number_verified`` are never
  writable by default (Cognito refuses them at SignUp with the same error), nor are
  ``sub`` or developer-only attributes. Admin calls (AdminUpdateUserAttributes,
  AdminCreateUser) are not limited by any client.
* **ReadAttributes.** UserPoolClientType.ReadAttributes: "their access token
  authorizes them to read their own attribute value for any attribute in this list.
  When you don't specify the ReadAttributes for your app client, your app can read
  the values of email_verified, phone_number_verified, and the standard attributes
  of your user pool" (and, in practice, the custom ones). Id tokens carry the
  readable attributes only (the ``openid`` scope "returns all user attributes in the
  ID token that are readable by the client"), and GetUser returns the readable ones.
  moto puts every custom attribute in every id token and never filters GetUser.
* **The schema.** A custom attribute that the pool does not declare cannot be
  written by anyone: ``InvalidParameterException`` "Attributes did not conform to
  the schema: custom:x: Attribute does not exist in the schema." (Cognito's answer
  to SignUp, UpdateUserAttributes, AdminCreateUser and AdminUpdateUserAttributes).
  moto stores any name. AddCustomAttributes of an existing name already answers
  ``InvalidParameterException`` in moto, as in Cognito; nothing to add there.
* **A pool's schema lists every standard attribute.** UserPoolType.SchemaAttributes
  (DescribeUserPool): "A list of the user attributes and their properties in your
  user pool. The attribute schema contains standard attributes, custom attributes
  with a custom: prefix, and developer attributes with a dev: prefix." moto lists the
  standard attributes only when CreateUserPool declared no Schema; a pool created
  with one custom attribute describes that attribute alone. Here the standard ones
  are always there, first, as declared when CreateUserPool named them. (``adopt``
  builds a client's explicit WriteAttributes from this list.)
* **AddCustomAttributes** takes names without the prefix and adds ``custom:``
  (API reference, AddCustomAttributes: "Amazon Cognito adds the prefix custom: to
  your attribute name"); moto does, and refuses an existing name with
  ``InvalidParameterException``, as Cognito does. New attributes appear in
  DescribeUserPool at once.
* **Identity pools.** DescribeIdentityPool of an unknown pool answers
  ``ResourceNotFoundException`` "IdentityPool '<id>' not found." (moto's message is
  the bare id); GetIdentityPoolRoles is answered by the emulator with the same error.

Not modelled: immutable (``Mutable: false``) and length constraints on writes,
``ExplicitAuthFlows`` on InitiateAuth, attribute verification flows.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from moto.cognitoidentity.exceptions import ResourceNotFoundError as IdentityPoolNotFound
from moto.cognitoidentity.models import CognitoIdentityBackend
from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUserPool,
    CognitoIdpUserPoolAttribute,
    CognitoIdpUserPoolClient,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

UNAUTHORIZED_WRITE = "A client attempted to write unauthorized attribute"

# What UpdateUserPoolClient leaves on a client when the request does not say otherwise.
CLIENT_DEFAULTS: dict[str, Any] = {
    "AllowedOAuthFlowsUserPoolClient": False,
    "AuthSessionValidity": 3,
    "EnablePropagateAdditionalUserContextData": False,
    "EnableTokenRevocation": True,
    "PreventUserExistenceErrors": "LEGACY",
    "RefreshTokenValidity": 30,
}

# Readable by default, never writable by a user unless the client lists them.
VERIFICATION_FLAGS = {"email_verified", "phone_number_verified"}

STANDARD_ATTRIBUTES = frozenset(CognitoIdpUserPoolAttribute.STANDARD_SCHEMA)


# --------------------------------------------------------------------------
# What a pool declares, and what a client may read or write
# --------------------------------------------------------------------------


def declares(pool: CognitoIdpUserPool, name: str) -> bool:
    """Whether the attribute exists in the pool: every standard one, and declared custom ones."""
    return name in STANDARD_ATTRIBUTES or name in pool.schema_attributes


def _mutable(pool: CognitoIdpUserPool, name: str) -> bool:
    attribute = pool.schema_attributes.get(name)
    if attribute is not None:
        return bool(attribute.mutable)
    return bool(CognitoIdpUserPoolAttribute.STANDARD_SCHEMA.get(name, {}).get("Mutable", False))


def _custom_names(pool: CognitoIdpUserPool) -> list[str]:
    return [name for name in pool.schema_attributes if name.startswith("custom:")]


def readable(pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient | None, name: str) -> bool:
    if name == "sub":
        return True
    if name.startswith("dev:"):
        return False
    listed = client.extended_config.get("ReadAttributes") if client else None
    if listed:
        return name in listed
    return declares(pool, name)


def writable(pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient | None, name: str) -> bool:
    if name == "sub" or name.startswith("dev:"):
        return False
    listed = client.extended_config.get("WriteAttributes") if client else None
    if listed:
        return name in listed
    return name not in VERIFICATION_FLAGS and declares(pool, name) and _mutable(pool, name)


def check_schema(pool: CognitoIdpUserPool, attributes: Any) -> None:
    """Refuse custom attributes the pool does not declare, in Cognito's words."""
    unknown = [
        a.get("Name")
        for a in attributes or []
        if isinstance(a, dict) and isinstance(a.get("Name"), str) and not declares(pool, a["Name"])
    ]
    if unknown:
        details = "".join(f"{name}: Attribute does not exist in the schema.\n" for name in unknown)
        raise InvalidParameterException(f"Attributes did not conform to the schema: {details}")


def check_user_write(pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient | None, attributes: Any) -> None:
    """A user's own write: the schema first, then the client's WriteAttributes."""
    check_schema(pool, attributes)
    for attribute in attributes or []:
        name = attribute.get("Name") if isinstance(attribute, dict) else None
        if isinstance(name, str) and not writable(pool, client, name):
            raise NotAuthorizedError(UNAUTHORIZED_WRITE)


def check_client_lists(pool: CognitoIdpUserPool, config: dict, verb: str) -> None:
    """Read/WriteAttributes may only name attributes the pool has."""
    for key, kind in (("ReadAttributes", "read"), ("WriteAttributes", "write")):
        names = config.get(key) or []
        if any(not isinstance(n, str) or not declares(pool, n) for n in names):
            raise InvalidParameterException(f"Invalid {kind} attributes specified while {verb} a client")


def _pool_of_token(backend: CognitoIdpBackend, access_token: Any) -> tuple[CognitoIdpUserPool, str] | None:
    """(pool, client id) an access token was issued by, or None."""
    for pool in backend.user_pools.values():
        if access_token in pool.access_tokens:
            return pool, pool.access_tokens[access_token][0]
    return None


def _pool_of_client(backend: CognitoIdpBackend, client_id: Any) -> CognitoIdpUserPool | None:
    for pool in backend.user_pools.values():
        if client_id in pool.clients:
            return pool
    return None


# --------------------------------------------------------------------------
# Replacements and wrappers of moto's methods
# --------------------------------------------------------------------------


def _update_user_pool_client(original: Callable) -> Callable:
    @functools.wraps(original)
    def update_user_pool_client(self: CognitoIdpBackend, user_pool_id: str, client_id: str, extended_config: dict) -> Any:
        pool = self.describe_user_pool(user_pool_id)
        client = pool.clients.get(client_id)
        if client is None:
            return original(self, user_pool_id, client_id, extended_config)
        check_client_lists(pool, extended_config, "updating")
        replaced: dict[str, Any] = dict(CLIENT_DEFAULTS)
        if "ClientName" in client.extended_config:
            replaced["ClientName"] = client.extended_config["ClientName"]
        replaced.update({k: v for k, v in extended_config.items() if v is not None})
        client.extended_config = replaced
        return client

    return update_user_pool_client


def _create_user_pool_client(original: Callable) -> Callable:
    @functools.wraps(original)
    def create_user_pool_client(self: CognitoIdpBackend, user_pool_id: str, generate_secret: bool, extended_config: dict) -> Any:
        pool = self.describe_user_pool(user_pool_id)
        check_client_lists(pool, extended_config or {}, "creating")
        return original(self, user_pool_id, generate_secret, extended_config)

    return create_user_pool_client


def _update_user_attributes(original: Callable) -> Callable:
    @functools.wraps(original)
    def update_user_attributes(self: CognitoIdpBackend, access_token: str, attributes: list) -> Any:
        issued = _pool_of_token(self, access_token)
        if issued is not None:
            pool, client_id = issued
            check_user_write(pool, pool.clients.get(client_id), attributes)
        return original(self, access_token, attributes)

    return update_user_attributes


def _sign_up(original: Callable) -> Callable:
    @functools.wraps(original)
    def sign_up(self: CognitoIdpBackend, client_id: str, username: str, password: str, attributes: list) -> Any:
        pool = _pool_of_client(self, client_id)
        if pool is not None:
            check_user_write(pool, pool.clients.get(client_id), attributes)
        return original(self, client_id, username, password, attributes)

    return sign_up


def _admin_update_user_attributes(original: Callable) -> Callable:
    @functools.wraps(original)
    def admin_update_user_attributes(self: CognitoIdpBackend, user_pool_id: str, username: str, attributes: list) -> Any:
        check_schema(self.describe_user_pool(user_pool_id), attributes)
        return original(self, user_pool_id, username, attributes)

    return admin_update_user_attributes


def _admin_create_user(original: Callable) -> Callable:
    @functools.wraps(original)
    def admin_create_user(self: CognitoIdpBackend, user_pool_id: str, username: str, message_action: Any,
                          temporary_password: Any, attributes: list) -> Any:
        check_schema(self.describe_user_pool(user_pool_id), attributes)
        return original(self, user_pool_id, username, message_action, temporary_password, attributes)

    return admin_create_user


def _create_id_token(self: CognitoIdpUserPool, client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
    """moto's id token, with the attributes the client can read and no others."""
    client = self.clients.get(client_id)
    user = self._get_user(username)
    extra_data: dict[str, Any] = {
        attribute["Name"]: attribute["Value"]
        for attribute in user.attributes
        if attribute["Name"] != "sub" and readable(self, client, attribute["Name"])
    }
    extra_data["origin_jti"] = origin_jti
    if len(user.groups) > 0:
        extra_data["cognito:groups"] = [group.group_name for group in user.groups]
    id_token, expires_in = self.create_jwt(client_id, username, "id", extra_data=extra_data)
    self.id_tokens[id_token] = (client_id, username)
    return id_token, expires_in


def _get_user_response(self: CognitoIdpResponse) -> ActionResult:
    """GetUser: the user's attributes that the token's client can read."""
    access_token = self._get_param("AccessToken")
    backend = self._get_region_agnostic_backend()
    user = backend.get_user(access_token=access_token)
    result = user.to_json(extended=True, attributes_key="UserAttributes")
    issued = _pool_of_token(backend._find_backend_by_access_token(access_token), access_token)
    if issued is not None:
        pool, client_id = issued
        client = pool.clients.get(client_id)
        result["UserAttributes"] = [a for a in result.get("UserAttributes", []) if readable(pool, client, a["Name"])]
    return ActionResult(result)


def _describe_identity_pool(original: Callable) -> Callable:
    @functools.wraps(original)
    def describe_identity_pool(self: CognitoIdentityBackend, identity_pool_id: str) -> Any:
        if identity_pool_id not in self.identity_pools:
            raise IdentityPoolNotFound(f"IdentityPool '{identity_pool_id}' not found.")
        return original(self, identity_pool_id)

    return describe_identity_pool


def _user_pool_init(original: Callable) -> Callable:
    @functools.wraps(original)
    def __init__(self: CognitoIdpUserPool, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        declared = self.schema_attributes
        schema = {
            name: declared.get(name) or CognitoIdpUserPoolAttribute(name, False, standard)
            for name, standard in CognitoIdpUserPoolAttribute.STANDARD_SCHEMA.items()
        }
        schema.update({name: attribute for name, attribute in declared.items() if name not in schema})
        self.schema_attributes = schema

    return __init__


_INSTALLED = False


def install() -> None:
    """Patch moto's Cognito classes (once per process)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    CognitoIdpUserPool.__init__ = _user_pool_init(CognitoIdpUserPool.__init__)
    backend = CognitoIdpBackend
    backend.update_user_pool_client = _update_user_pool_client(backend.update_user_pool_client)
    backend.create_user_pool_client = _create_user_pool_client(backend.create_user_pool_client)
    backend.update_user_attributes = _update_user_attributes(backend.update_user_attributes)
    backend.sign_up = _sign_up(backend.sign_up)
    backend.admin_update_user_attributes = _admin_update_user_attributes(backend.admin_update_user_attributes)
    backend.admin_create_user = _admin_create_user(backend.admin_create_user)
    CognitoIdpUserPool.create_id_token = _create_id_token
    CognitoIdpResponse.get_user = _get_user_response
    CognitoIdentityBackend.describe_identity_pool = _describe_identity_pool(CognitoIdentityBackend.describe_identity_pool)
