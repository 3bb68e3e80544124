/** Reading the user pool id out of a token's issuer (the `iss` claim). */

const isRegionChar = (c: string): boolean => /^[a-z0-9-]$/.test(c);
const isAsciiAlphanumeric = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);

/**
 * The pool id of `https://cognito-idp.<region>.amazonaws.com/<pool id>`, else null.
 * Claims carry no pool id of their own, and a `sub` is unique only within its pool; any
 * other issuer (another identity provider, a look-alike host, a longer path) names no pool.
 */
export function userPoolIdFromIssuer(iss: string): string | null {
  if (!iss.startsWith("https://")) return null;
  const rest = iss.slice("https://".length);
  const slash = rest.indexOf("/");
  if (slash < 0) return null;
  const host = rest.slice(0, slash);
  const pool = rest.slice(slash + 1);
  if (!host.startsWith("cognito-idp.")) return null;
  let region = host.slice("cognito-idp.".length);
  if (region.endsWith(".amazonaws.com")) region = region.slice(0, -".amazonaws.com".length);
  else if (region.endsWith(".amazonaws.com.cn")) region = region.slice(0, -".amazonaws.com.cn".length);
  else return null;
  const regionOk = region !== "" && [...region].every(isRegionChar);
  const underscore = pool.indexOf("_");
  if (underscore < 0) return null;
  const suffix = pool.slice(underscore + 1);
  const poolOk =
    pool.slice(0, underscore) === region && suffix !== "" && pool.length <= 55 && [...suffix].every(isAsciiAlphanumeric);
  return regionOk && poolOk ? pool : null;
}
