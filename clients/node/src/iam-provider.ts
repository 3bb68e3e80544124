/** Reading the user pool sign-in out of IAM auth's Cognito fields. */

const SIGN_IN_MARKER = ":CognitoSignIn:";

/**
 * The `sub` in REST `identity.cognitoAuthenticationProvider`, which reads
 * `cognito-idp.<region>.amazonaws.com/<pool>,cognito-idp.<region>.amazonaws.com/<pool>:CognitoSignIn:<sub>`;
 * any other provider (federated, developer-authenticated, unauthenticated) is null.
 */
export function subFromAuthenticationProvider(value: string): string | null {
  for (const part of value.split(",").reverse()) {
    const sub = signInSub(part.trim());
    if (sub !== null) return sub;
  }
  return null;
}

/** The `sub` in HTTP API `authorizer.iam.cognitoIdentity.amr`, if it is an authenticated user pool sign-in. */
export function subFromAmr(amr: readonly unknown[]): string | null {
  if (!amr.includes("authenticated")) return null;
  for (const part of [...amr].reverse()) {
    const sub = typeof part === "string" ? signInSub(part) : null;
    if (sub !== null) return sub;
  }
  return null;
}

function signInSub(part: string): string | null {
  const at = part.indexOf(SIGN_IN_MARKER);
  if (at < 0) return null;
  const provider = part.slice(0, at);
  const sub = part.slice(at + SIGN_IN_MARKER.length);
  const providerOk = provider.startsWith("cognito-idp.") && provider.includes(".amazonaws.com/");
  const subOk = sub.length > 0 && sub.length <= 128 && /^[A-Za-z0-9-]+$/.test(sub);
  return providerOk && subOk ? sub : null;
}
