/**
 * Who is calling a Lambda behind API Gateway: the user pool `sub` and the Cognito
 * `IdentityId` in one typed {@link CallerIdentity}, from any request context shape (the
 * Cognito Bridge authorizer, IAM auth, the Cognito user pool and JWT authorizers).
 *
 * The Node twin of the Rust crate `caller-identity`; all readers answer the shared cases
 * in `events/expected/` alike.
 */

export { AccessDenied, NoCallerIdentity } from "./errors.js";
export type { AccessDeniedCode, NoIdentityReason } from "./errors.js";
export { hasScope, inGroup, requireGroup, requireScope } from "./identity.js";
export type { CallerIdentity, IdentitySource, TokenUse } from "./identity.js";
export { callerIdentity } from "./request-context.js";
