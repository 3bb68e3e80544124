"""An identity's end and its merge into another, as Cognito identity pools answer them.

moto implements neither ``DeleteIdentities`` nor any merge, and its ``GetId`` hands out a
new id on every call (see the emulator's own ``CognitoIdentity``, which keeps one id per
login). This module adds what happens when an IdentityId goes away under a user, which is
what the link function's relink and the CLI's ``unlink``/``relink`` are built for.

What Cognito does, and where AWS documents it:

* **DeleteIdentities** (API reference, API_DeleteIdentities,
  https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_DeleteIdentities.html):
  "Deletes identities from an identity pool. You can specify a list of 1-60 identities";
  ``IdentityIdsToDelete`` has 1 to 60 members matching ``[\\w-]+:[0-9a-f-]+``, and the answer
  is ``{"UnprocessedIdentityIds": [{"IdentityId", "ErrorCode"}]}`` with ``ErrorCode``
  ``AccessDenied`` or ``InternalServerError`` (boto3's reference lists those two values).
  Outside those limits the request is refused with ``InvalidParameterException`` (the
  operation's documented error for bad input). The call names no identity pool: each id
  is deleted from whichever pool holds it. An id nobody holds is not an error (it is
  simply not there afterwards).
* **After a delete**, the login is free again: the user's next ``GetId`` with the same
  token finds no identity for it and creates a new one, as for any first sign-in (API
  reference, API_GetId: "Generates (or retrieves) IdentityID. Supplying multiple logins
  will create an implicit linked account"). ``GetCredentialsForIdentity`` and
  ``DescribeIdentity`` on the deleted id answer ``ResourceNotFoundException`` (the
  documented error of both operations "when the requested resource (for example, a
  dataset or record) does not exist"), which the emulator already gives for unknown ids.
  Credentials issued before the delete keep working until they expire: they are STS
  credentials, which nothing revokes.
* **Merge** (API reference, API_MergeDeveloperIdentities,
  https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_MergeDeveloperIdentities.html):
  "Cognito associates the given source user (SourceUserIdentifier) with the IdentityId of
  the DestinationUserIdentifier": the **destination's id survives** and the source's
  logins move to it. The same happens when ``GetOpenIdTokenForDeveloperIdentity`` is given
  an existing ``IdentityId`` and logins linked elsewhere ("to link new logins ... to an
  existing identity ... provid[e] the existing IdentityId",
  https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetOpenIdTokenForDeveloperIdentity.html),
  and the mobile SDKs report it as ``identityChanged(oldIdentityId, newIdentityId)``
  (developer guide, switching-identities.html,
  https://docs.aws.amazon.com/cognito/latest/developerguide/switching-identities.html).
  The merged-away identity is not deleted but **disabled**: ``ListIdentities`` has
  ``HideDisabled`` ("If omitted, the ListIdentities API will include disabled identities
  in the response", API_ListIdentities). So after a merge, ``GetId`` with the source's
  token answers the destination id, and the old id gets no credentials: AWS documents no
  message for this, so the emulator answers ``NotAuthorizedException`` (the documented
  error "when a user is not authorized to access the requested resource"): "Logins don't
  match. …" when logins are sent (the login now belongs to another identity, the same
  answer as for any identity that does not hold the login), and "Identity '<id>' is
  disabled." without logins. ``DescribeIdentity`` still describes it, with no logins.
  Only developer-authenticated users can be merged by ``MergeDeveloperIdentities``; the
  emulator models no developer provider, so the merge is a control endpoint that does to
  two identities what that call (or the linking ``GetOpenIdTokenForDeveloperIdentity``)
  does, whatever their logins.
* **An identity pool re-created** has none of the old identities: every user's next
  ``GetId`` mints a new id in the new pool. The emulator does this already (identities
  belong to their pool).

Control endpoints (test only), served by the emulator's control API:

* ``POST /_emulator/identities/merge`` ``{"source": id, "destination": id}``: the merge
  above; answers ``{"identityId": destination, "merged": source}``.
* ``POST /_emulator/identities/unprocessed`` ``{"identityIds": [id, ...]}``: the next
  ``DeleteIdentities`` naming each of these ids leaves it undeleted, reported in
  ``UnprocessedIdentityIds`` with ``InternalServerError`` (once per id), as a partly failed
  batch on AWS.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any, Callable

MAX_IDS_PER_DELETE = 60
IDENTITY_ID_PATTERN = re.compile(r"[\w-]+:[0-9a-f-]+")
IDENTITY_ID_MAX_LENGTH = 55


class IdentityLifecycle:
    """DeleteIdentities, merges and disabled identities over the emulator's identity store.

    ``store`` is the emulator's ``CognitoIdentity`` (its lock, ``_by_id`` and ``_by_login``
    maps); ``error`` builds the AWS-shaped error it answers with (type, message).
    """

    def __init__(self, store: Any, error: Callable[[str, str], Exception]) -> None:
        self.store = store
        self.error = error
        self._lock = threading.Lock()
        self._unprocessed: set[str] = set()
        # merged-away identity id -> the id that took its logins
        self._merged_into: dict[str, str] = {}

    def reset(self) -> None:
        with self._lock:
            self._unprocessed.clear()
            self._merged_into.clear()

    # -- AWS operations ----------------------------------------------------

    def delete_identities(self, _account_id: str, body: dict) -> dict:
        ids = body.get("IdentityIdsToDelete")
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_IDS_PER_DELETE:
            raise self.error(
                "InvalidParameterException",
                f"IdentityIdsToDelete must hold 1 to {MAX_IDS_PER_DELETE} identity ids.",
            )
        for identity_id in ids:
            if (
                not isinstance(identity_id, str)
                or len(identity_id) > IDENTITY_ID_MAX_LENGTH
                or not IDENTITY_ID_PATTERN.fullmatch(identity_id)
            ):
                raise self.error("InvalidParameterException", f"'{identity_id}' is not an identity id.")
        unprocessed = []
        with self.store._lock:
            for identity_id in dict.fromkeys(ids):
                with self._lock:
                    failed = identity_id in self._unprocessed
                    self._unprocessed.discard(identity_id)
                if failed:
                    unprocessed.append({"IdentityId": identity_id, "ErrorCode": "InternalServerError"})
                    continue
                self._forget(identity_id)
        return {"UnprocessedIdentityIds": unprocessed}

    def refusal(self, identity_id: str, logins: dict) -> Exception | None:
        """What GetCredentialsForIdentity answers for a merged-away (disabled) identity."""
        with self._lock:
            merged = identity_id in self._merged_into
        if not merged:
            return None
        if logins:
            return self.error(
                "NotAuthorizedException",
                "Logins don't match. Please include at least one valid login for this identity or identity pool.",
            )
        return self.error("NotAuthorizedException", f"Identity '{identity_id}' is disabled.")

    # -- test controls -------------------------------------------------------

    def merge(self, request: Any) -> dict:
        """Moves the source identity's logins to the destination, which survives."""
        if not isinstance(request, dict):
            raise ValueError("the body must be {\"source\": id, \"destination\": id}")
        source, destination = request.get("source"), request.get("destination")
        if not isinstance(source, str) or not isinstance(destination, str) or source == destination:
            raise ValueError("'source' and 'destination' must be two different identity ids")
        with self.store._lock:
            source_identity = self.store._by_id.get(source)
            destination_identity = self.store._by_id.get(destination)
            if source_identity is None or destination_identity is None:
                raise ValueError("both identities must exist")
            if source_identity.identity_pool_id != destination_identity.identity_pool_id:
                raise ValueError("merged identities must be in the same identity pool")
            for key, holder in list(self.store._by_login.items()):
                if holder == source:
                    self.store._by_login[key] = destination
            destination_identity.touch(source_identity.logins)
            source_identity.logins.clear()
            source_identity.modified = round(time.time(), 3)
            source_identity.moto_entry.update(source_identity.describe())
            with self._lock:
                self._merged_into[source] = destination
        return {"identityId": destination, "merged": source}

    def arm_unprocessed(self, request: Any) -> dict:
        ids = request.get("identityIds") if isinstance(request, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValueError("the body must be {\"identityIds\": [id, ...]}")
        with self._lock:
            self._unprocessed.update(ids)
            return {"unprocessed": sorted(self._unprocessed)}

    # -- helpers -------------------------------------------------------------

    def _forget(self, identity_id: str) -> None:
        """Removes one identity, its logins and its ListIdentities entry (store lock held)."""
        identity = self.store._by_id.pop(identity_id, None)
        if identity is None:
            return
        for key, holder in list(self.store._by_login.items()):
            if holder == identity_id:
                del self.store._by_login[key]
        self.store.unlist(identity)
        with self._lock:
            self._merged_into.pop(identity_id, None)
