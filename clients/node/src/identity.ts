/** The caller identity value itself, and the scope and group checks handlers make on it. */

import { AccessDenied } from "./errors.js";

/** Where API Gateway (or our authorizer) put the identity a value was read from. */
export type IdentitySource = "lambdaAuthorizer" | "iam" | "cognitoUserPoolAuthorizer" | "jwtAuthorizer";

/** Which kind of user pool token the caller presented (its `token_use` claim). */
export type TokenUse = "id" | "access";

/**
 * The caller as both Cognito halves know them: the user pool `sub` and the identity
 * pool `identityId`, plus what the source says about the token. Plain, frozen JSON data
 * in the shape of `events/expected/*.json`. IAM auth carries no token: no username,
 * pool, groups, scopes, token use or client.
 */
export interface CallerIdentity {
  /** The user pool user id; always present. */
  readonly sub: string;
  /** The user pool user name, when the source carries it (not under IAM auth). */
  readonly username: string | null;
  /** The identity pool IdentityId, e.g. `us-east-1:1f0c…`; null for a user not linked yet. */
  readonly identityId: string | null;
  /** The identity pool id, when the source carries it. */
  readonly identityPoolId: string | null;
  /** The user pool that issued the token: a `sub` is unique only within its pool. */
  readonly userPoolId: string | null;
  /** The user's email, when the source carries it. */
  readonly email: string | null;
  /** The user's user pool groups; empty when none or not carried (IAM auth). */
  readonly groups: readonly string[];
  /** The OAuth scopes of an access token; empty for id tokens and IAM auth. */
  readonly scopes: readonly string[];
  /** Which token the caller presented; null under IAM auth or when the source does not say. */
  readonly tokenUse: TokenUse | null;
  /** The app client the token was issued to; null under IAM auth. */
  readonly clientId: string | null;
  /** Whether the user pool record holds the IdentityId; null when the source cannot tell. */
  readonly linked: boolean | null;
  /** Where this was read from. */
  readonly source: IdentitySource;
}

/** Whether the access token grants `scope` (exact and case-sensitive, as OAuth compares). */
export function hasScope(caller: CallerIdentity, scope: string): boolean {
  return caller.scopes.includes(scope);
}

/** Whether the caller is in user pool group `group` (exact and case-sensitive). */
export function inGroup(caller: CallerIdentity, group: string): boolean {
  return caller.groups.includes(group);
}

/**
 * Throws {@link AccessDenied} (403) unless the access token grants `scope`: the one-line
 * check before doing what the scope allows, so that the rule holds even when a gateway's
 * route rules are misconfigured.
 */
export function requireScope(caller: CallerIdentity, scope: string): void {
  if (hasScope(caller, scope)) return;
  const reason =
    caller.source === "iam"
      ? "IAM auth carries no OAuth scopes"
      : caller.tokenUse === "access"
        ? "the access token does not grant it"
        : caller.tokenUse === "id"
          ? "id tokens carry no OAuth scopes; call with an access token"
          : "the request names no OAuth scopes";
  throw new AccessDenied("missing_scope", `missing OAuth scope ${scope}: ${reason}`);
}

/** Throws {@link AccessDenied} (403) unless the caller is in user pool group `group`. */
export function requireGroup(caller: CallerIdentity, group: string): void {
  if (inGroup(caller, group)) return;
  const reason = caller.source === "iam" ? "IAM auth carries no user pool groups" : "the token's groups do not list it";
  throw new AccessDenied("missing_group", `not in user pool group ${group}: ${reason}`);
}
