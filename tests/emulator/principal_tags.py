"""An identity pool's principal-tag maps ("attributes for access control"), as Cognito
keeps and applies them. moto implements neither ``SetPrincipalTagAttributeMap`` nor
``GetPrincipalTagAttributeMap``, and its credentials carry no session tags.

What Cognito does, and where AWS documents it (docs/principal-tags.md has the table):

* **SetPrincipalTagAttributeMap** (API reference): per identity pool and provider
  (``IdentityProviderName``, 1 to 128 characters), a map of principal tag to claim name,
  at most 50 entries, keys 1 to 128 characters, values 1 to 256; ``UseDefaults`` picks
  Cognito's default mapping instead. The answer echoes what was stored. A call replaces
  the provider's whole map. An unknown pool is ``ResourceNotFoundException``; a bad
  parameter ``InvalidParameterException``.
* **GetPrincipalTagAttributeMap**: the stored map; for a provider with none, the
  emulator answers an empty map with ``UseDefaults`` false (not checked against AWS).
* **Credentials**: each tag's value is the user's claim of that name in the token of the
  login; a claim the token lacks sets no tag. Session tags need ``sts:TagSession`` in the
  role's trust policy: without it, ``GetCredentialsForIdentity`` answers
  ``InvalidIdentityPoolConfigurationException`` ("Invalid identity pool configuration.
  Check assigned IAM roles for this pool.", the answer to every trust misconfiguration).
* The default mapping of a user-pool provider (``UseDefaults``) is the tags ``username``
  (claim ``sub``) and ``client`` (claim ``aud``), as the Cognito console shows it (not
  checked against AWS).
"""

from __future__ import annotations

import base64
import json
import threading
from typing import Any, Callable

MAX_TAGS = 50
DEFAULT_USER_POOL_TAGS = {"username": "sub", "client": "aud"}


def _claims_of(token: str) -> dict:
    """The payload of a token the emulator has already verified."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}


class PrincipalTagMaps:
    """The maps of every identity pool, by (pool id, provider name)."""

    def __init__(self, find_pool: Callable[[str, Any], Any], error: type) -> None:
        # find_pool(account_id, pool_id) raises the pool's not-found error.
        self._find_pool = find_pool
        self._error = error
        self._lock = threading.RLock()
        self._maps: dict[tuple[str, str], dict] = {}

    def reset(self) -> None:
        with self._lock:
            self._maps.clear()

    def _invalid(self, message: str) -> Exception:
        return self._error("InvalidParameterException", message)

    def _provider(self, body: dict) -> str:
        provider = body.get("IdentityProviderName")
        if not isinstance(provider, str) or not 1 <= len(provider) <= 128:
            raise self._invalid("IdentityProviderName must be 1 to 128 characters.")
        return provider

    def set_map(self, account_id: str, body: dict) -> dict:
        """SetPrincipalTagAttributeMap."""
        pool_id = body.get("IdentityPoolId")
        self._find_pool(account_id, pool_id)
        provider = self._provider(body)
        tags = body.get("PrincipalTags") or {}
        use_defaults = body.get("UseDefaults", False)
        if not isinstance(use_defaults, bool):
            raise self._invalid("UseDefaults must be a boolean.")
        if not isinstance(tags, dict) or len(tags) > MAX_TAGS:
            raise self._invalid(f"PrincipalTags takes at most {MAX_TAGS} entries.")
        for key, value in tags.items():
            if not isinstance(key, str) or not 1 <= len(key) <= 128:
                raise self._invalid("A principal tag key must be 1 to 128 characters.")
            if not isinstance(value, str) or not 1 <= len(value) <= 256:
                raise self._invalid("A principal tag's claim must be 1 to 256 characters.")
        stored = {"UseDefaults": use_defaults, "PrincipalTags": dict(tags)}
        with self._lock:
            self._maps[(pool_id, provider)] = stored
        return {"IdentityPoolId": pool_id, "IdentityProviderName": provider, **stored}

    def get_map(self, account_id: str, body: dict) -> dict:
        """GetPrincipalTagAttributeMap."""
        pool_id = body.get("IdentityPoolId")
        self._find_pool(account_id, pool_id)
        provider = self._provider(body)
        with self._lock:
            stored = self._maps.get((pool_id, provider)) or {"UseDefaults": False, "PrincipalTags": {}}
        return {"IdentityPoolId": pool_id, "IdentityProviderName": provider, **json.loads(json.dumps(stored))}

    def session_tags(self, pool_id: str, logins: dict) -> dict[str, str]:
        """The principal tags of credentials for verified ``logins`` (provider -> token)."""
        tags: dict[str, str] = {}
        for provider, token in logins.items():
            with self._lock:
                stored = self._maps.get((pool_id, provider))
            if not stored:
                continue
            mapping = DEFAULT_USER_POOL_TAGS if stored["UseDefaults"] else stored["PrincipalTags"]
            claims = _claims_of(token)
            for tag, claim in mapping.items():
                value = claims.get(claim)
                if isinstance(value, str):
                    tags[tag] = value
        return tags
