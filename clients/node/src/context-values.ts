/**
 * How list values travel in request contexts, and how they read back as lists: pure
 * functions over the event's own values.
 */

/** A context value is present but not in its documented form. */
export class InvalidValue extends Error {
  override readonly name = "InvalidValue";
}

/**
 * A context or claim value as text, as the Rust crate reads it. API Gateway passes
 * strings; a JSON array (a hand-written or console test event's `cognito:groups`)
 * becomes its items space-joined, which {@link claimGroups} and {@link splitScopes}
 * read back as a list.
 */
export function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(valueText).join(" ");
  return JSON.stringify(value);
}

/**
 * The `cognito:groups` claim as API Gateway's own authorizers pass it: `a,b` (REST),
 * `a` (one group) or `[a b]` (HTTP API JWT claims; REST too in some reports). Mirrors the
 * Rust crate: the claim's own form cannot tell a comma inside a name from a separator.
 */
export function claimGroups(raw: string): string[] {
  const inner = raw.trim().replace(/^\[+/, "").replace(/\]+$/, "");
  return inner
    .split(/[, ]/)
    .map((g) => g.trim())
    .filter((g) => g !== "");
}

/**
 * Our authorizer's `groups` context value: a JSON array of strings written as one string,
 * e.g. `["ops,admins","x"]`, the one form no group name (which may hold a comma) can split
 * wrongly. A list value (a hand-written test event) reads as the same list; a missing,
 * null or blank value is no groups.
 *
 * Anything else, the comma-joined form of earlier authorizers included, is an
 * {@link InvalidValue}, as in the Rust crate: reading it any other way could make a member
 * of `ops,admins` pass for a member of `admins`.
 */
export function authorizerGroups(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  let items: unknown = value;
  if (typeof value === "string") {
    if (value.trim() === "") return [];
    try {
      items = JSON.parse(value);
    } catch {
      throw new InvalidValue("authorizer groups");
    }
  }
  if (!Array.isArray(items) || !items.every((g): g is string => typeof g === "string")) {
    throw new InvalidValue("authorizer groups");
  }
  return [...items];
}

/** OAuth scopes are space-separated (the `scope` claim, our authorizer's `scopes`); a scope never holds whitespace. */
export function splitScopes(raw: string): string[] {
  return raw.split(/\s+/).filter((s) => s !== "");
}
