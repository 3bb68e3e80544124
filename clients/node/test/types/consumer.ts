// A handler written against the published package (its exports map and dist/*.d.ts):
// compiled with --noEmit by the tests, so that shipped types that do not fit fail them.
import { AccessDenied, NoCallerIdentity, callerIdentity, requireScope } from "cognito-bridge-identity";
import type { CallerIdentity, IdentitySource, TokenUse } from "cognito-bridge-identity";

export function handler(event: unknown): { statusCode: number; body: string } {
  let caller: CallerIdentity;
  try {
    caller = callerIdentity(event);
    requireScope(caller, "orders/write");
  } catch (error) {
    if (error instanceof NoCallerIdentity || error instanceof AccessDenied) {
      return { statusCode: error.status, body: error.message };
    }
    throw error;
  }
  const source: IdentitySource = caller.source;
  const tokenUse: TokenUse | null = caller.tokenUse;
  const identityId: string | null = caller.identityId;
  // @ts-expect-error the caller is read-only
  caller.sub = "someone-else";
  return { statusCode: 200, body: `${caller.sub} ${identityId ?? "-"} ${source} ${tokenUse ?? "-"}` };
}
