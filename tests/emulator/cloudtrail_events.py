"""The CloudTrail events of a user's deletion, delivered as EventBridge delivers them.

Cognito has no event of its own for a deleted user; the bridge learns of one from the
CloudTrail record of the call, which CloudTrail sends to the account's default event
bus (detail-type "AWS API Call via CloudTrail", source "aws.cognito-idp") whenever a
trail logs management events. moto records nothing of the kind, and it has no
``DeleteUser`` at all. ``install()`` patches moto's Cognito (idempotent) so that:

* **DeleteUser** (API reference, DeleteUser: "Self-deletes a user profile", authorized
  by the user's access token, no SigV4) deletes the user whose access token is given;
  an unknown or revoked token gets ``NotAuthorizedException``.
* **Every AdminDeleteUser and DeleteUser emits its CloudTrail record** to the default
  bus of the pool's account and region: each rule whose pattern matches gets the event
  and its targets (an SQS queue) receive it as the body, as EventBridge sends it; a
  disabled rule (``DisableRule``) gets nothing, as on AWS (moto ignores the state). The
  record has the shape documented in ``docs/forget-events.md`` and the samples in
  ``events/cloudtrail-*.json``: the user as ``additionalEventData.sub``, the username
  and the access token as ``HIDDEN_DUE_TO_SECURITY_REASONS``, ``userPoolId`` in
  ``requestParameters`` for AdminDeleteUser only. A call that fails (an unknown user,
  a bad token) is recorded too, with ``errorCode`` and ``errorMessage`` and no
  ``sub``, as CloudTrail records failed calls.
* **A user can be named by their sub.** Cognito's ``Username`` parameter of the
  Admin* calls (AdminGetUser, AdminDeleteUser, …): "If username isn't an alias
  attribute in your user pool, this value must be the sub of a local user or the
  username of a user from a third-party IdP." moto finds users by username and alias
  attributes only, so ``AdminGetUser`` by sub answered ``UserNotFoundException`` for a
  user who exists.

On AWS, the event reaches EventBridge seconds to minutes after the call; here it is
delivered before the call returns, which only makes tests faster.
"""

from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpUserPool, cognitoidp_backends
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import EmptyResult
from moto.core.utils import unix_time

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
SOURCE = "aws.cognito-idp"
DETAIL_TYPE = "AWS API Call via CloudTrail"
EVENT_SOURCE = "cognito-idp.amazonaws.com"


def _iso_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def caller_identity(account_id: str, authorization: str) -> dict:
    """``userIdentity`` of a SigV4-signed call: the IAM caller and its access key."""
    match = re.search(r"Credential=([^/]+)/", authorization or "")
    access_key = match.group(1) if match else "AKIAIOSFODNN7EXAMPLE"
    return {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLELOCALUSER",
        "arn": f"arn:aws:iam::{account_id}:user/local",
        "accountId": account_id,
        "accessKeyId": access_key,
        "userName": "local",
    }


# A call signed by a user's access token has no IAM caller.
TOKEN_CALLER = {"type": "Unknown", "principalId": "Anonymous"}


def cloudtrail_record(
    *,
    account_id: str,
    region: str,
    event_name: str,
    user_identity: dict,
    request_parameters: dict,
    sub: str | None,
    error: tuple[str, str] | None,
    user_agent: str,
) -> dict:
    """The CloudTrail record of one Cognito user-pool call, as Cognito writes it."""
    record: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": user_identity,
        "eventTime": _iso_now(),
        "eventSource": EVENT_SOURCE,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": "127.0.0.1",
        "userAgent": user_agent or "unknown",
    }
    if error:
        record["errorCode"], record["errorMessage"] = error
    record["requestParameters"] = request_parameters
    record["responseElements"] = None
    if sub and not error:
        record["additionalEventData"] = {"sub": sub}
    record.update(
        {
            "requestID": str(uuid.uuid4()),
            "eventID": str(uuid.uuid4()),
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account_id,
            "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": f"cognito-idp.{region}.amazonaws.com",
            },
        }
    )
    return record


def eventbridge_event(account_id: str, region: str, record: dict) -> dict:
    """The event EventBridge puts on the default bus for one CloudTrail record."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": account_id,
        # A number here: moto's targets render it as ISO 8601, as EventBridge sends it.
        "time": unix_time(),
        "region": region,
        "resources": [],
        "detail": record,
    }


def rule_receives(state: str | None) -> bool:
    """Whether a rule in this state gets a write management event (such as a deletion).

    EventBridge's ``Rule.State`` (API reference): ``DISABLED``, "EventBridge does not match
    any events against the rule"; ``ENABLED`` matches every event but *read-only*
    management events; ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS`` matches those too.
    moto's rules send to their targets whatever their state, so a disabled rule still
    delivered here.
    """
    return state in ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")


def deliver(account_id: str, region: str, record: dict) -> None:
    """Every enabled, matching rule of the account's buses in the region gets the event."""
    try:
        from moto.events.models import events_backends

        event = eventbridge_event(account_id, region, record)
        backend = events_backends[account_id][region]
        for bus in list(backend.event_buses.values()):
            for rule in list(bus.rules.values()):
                if rule_receives(getattr(rule, "state", None)):
                    rule.send_to_targets(event, transform_input=False)
    except Exception:  # noqa: BLE001 - delivery is asynchronous on AWS: never fail the call
        pass


def _error_of(error: Exception) -> tuple[str, str]:
    code = getattr(error, "error_type", None) or type(error).__name__
    message = getattr(error, "message", None) or str(error)
    return str(code), str(message)


def _get_user_by_sub(original: Callable) -> Callable:
    """``Username`` may be the sub of a local user (see the module's doc)."""

    @functools.wraps(original)
    def _get_user(self: CognitoIdpUserPool, username: str) -> Any:
        user = original(self, username)
        if user is None and isinstance(username, str):
            for candidate in self.users.values():
                if candidate.id == username:
                    return candidate
        return user

    return _get_user


def _sub_of(account_id: str, region: str, pool_id: Any, username: Any) -> str | None:
    try:
        pool = cognitoidp_backends[account_id][region].user_pools.get(pool_id)
        user = pool._get_user(username) if pool is not None and isinstance(username, str) else None
        return user.id if user is not None else None
    except Exception:  # noqa: BLE001 - the call itself reports what is wrong
        return None


def _admin_delete_user(original: Callable) -> Callable:
    """moto's AdminDeleteUser, then its CloudTrail record (success or failure)."""

    @functools.wraps(original)
    def admin_delete_user(self: CognitoIdpResponse) -> Any:
        account_id, region = self.current_account, self.region
        pool_id = self._get_param("UserPoolId")
        sub = _sub_of(account_id, region, pool_id, self._get_param("Username"))
        error: tuple[str, str] | None = None
        try:
            return original(self)
        except Exception as failure:
            error = _error_of(failure)
            raise
        finally:
            deliver(
                account_id,
                region,
                cloudtrail_record(
                    account_id=account_id,
                    region=region,
                    event_name="AdminDeleteUser",
                    user_identity=caller_identity(account_id, self.headers.get("Authorization", "")),
                    request_parameters={"userPoolId": pool_id, "username": HIDDEN},
                    sub=sub,
                    error=error,
                    user_agent=self.headers.get("User-Agent", ""),
                ),
            )

    return admin_delete_user


def _pool_of_access_token(access_token: Any) -> tuple[str, str, CognitoIdpUserPool, str] | None:
    """(account, region, pool, username) of a live access token, or None."""
    if not isinstance(access_token, str) or not access_token:
        return None
    for account_id, regions in cognitoidp_backends.items():
        for region, backend in regions.items():
            if region == "global":
                continue
            for pool in backend.user_pools.values():
                if access_token in pool.access_tokens:
                    return account_id, region, pool, pool.access_tokens[access_token][1]
    return None


def _delete_user(self: CognitoIdpResponse) -> Any:
    """DeleteUser: the access token's user deletes themselves (moto has no DeleteUser)."""
    found = _pool_of_access_token(self._get_param("AccessToken"))
    account_id, region = (found[0], found[1]) if found else (self.current_account, self.region)
    sub: str | None = None
    error: tuple[str, str] | None = None
    try:
        if found is None:
            raise NotAuthorizedError("Invalid Access Token")
        _, _, pool, username = found
        user = pool._get_user(username)
        if user is None:
            raise NotAuthorizedError("User does not exist.")
        sub = user.id
        cognitoidp_backends[account_id][region].admin_delete_user(pool.id, user.username)
        # Cognito revokes the deleted user's tokens.
        for table in (pool.access_tokens, pool.refresh_tokens):
            for token in [t for t, issued in table.items() if issued and issued[1] == user.username]:
                del table[token]
        return EmptyResult()
    except Exception as failure:
        error = _error_of(failure)
        raise
    finally:
        deliver(
            account_id,
            region,
            cloudtrail_record(
                account_id=account_id,
                region=region,
                event_name="DeleteUser",
                user_identity=dict(TOKEN_CALLER),
                request_parameters={"accessToken": HIDDEN},
                sub=sub,
                error=error,
                user_agent=self.headers.get("User-Agent", ""),
            ),
        )


_INSTALLED = False


def install() -> None:
    """Patch moto's Cognito (once per process)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    CognitoIdpUserPool._get_user = _get_user_by_sub(CognitoIdpUserPool._get_user)
    CognitoIdpResponse.admin_delete_user = _admin_delete_user(CognitoIdpResponse.admin_delete_user)
    CognitoIdpResponse.delete_user = _delete_user
