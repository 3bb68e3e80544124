/**
 * Why a request carries no usable caller identity, or why a known caller is refused.
 * Messages are the Rust crate's, word for word, and never hold a token or a context value.
 */

/** Why a request names no caller: a stable code for `{"error": code}` answers. */
export type NoIdentityReason = "no_identity" | "not_a_user_pool_login" | "malformed";

const MESSAGES: Readonly<Record<Exclude<NoIdentityReason, "malformed">, string>> = {
  no_identity: "the request carries no caller identity (is the route protected by an authorizer or IAM auth?)",
  not_a_user_pool_login: "the caller is not signed in through a Cognito user pool",
};

/**
 * The event does not say which user pool user is calling. `status` is the HTTP status
 * a handler should answer with: 401 when nobody is signed in, 403 when a caller is known
 * but is not a user pool user, or the context is not in the documented form.
 */
export class NoCallerIdentity extends Error {
  override readonly name = "NoCallerIdentity";
  readonly status: 401 | 403;

  constructor(
    readonly reason: NoIdentityReason,
    invalid = "",
  ) {
    super(reason === "malformed" ? `the request context has an invalid ${invalid}` : MESSAGES[reason]);
    this.status = reason === "no_identity" ? 401 : 403;
  }
}

/** What a caller lacks: a stable code for `{"error": code, "message": …}` answers. */
export type AccessDeniedCode = "missing_scope" | "missing_group";

/**
 * The caller is known but lacks the OAuth scope or user pool group a handler requires.
 * Always 403: signing in again with the same rights would not help.
 */
export class AccessDenied extends Error {
  override readonly name = "AccessDenied";
  readonly status = 403;

  constructor(
    readonly code: AccessDeniedCode,
    message: string,
  ) {
    super(message);
  }
}
