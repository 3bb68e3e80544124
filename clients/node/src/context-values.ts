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
 * Our authorizer's `groups` context value: a JSON array string such as
 * `["ops,admins","x"]`, so that no group name (which may hold a comma) is split.
 *
 * A value that is not a JSON array at all is the comma-joined form that authorizers
 * released before the array form wrote; it is still read, because API Gateway may serve
 * such an answer from its cache for up to an hour after an upgrade. An array that does
 * not hold only strings is an {@link InvalidValue}.
 */
export function authorizerGroups(value: unknown): string[] {
  let items: unknown = value;
  if (!Array.isArray(value)) {
    const text = valueText(value).trim();
    if (text === "") return [];
    if (!text.startsWith("[")) {
      return text
        .split(",")
        .map((g) => g.trim())
        .filter((g) => g !== "");
    }
    try {
      items = JSON.parse(text);
    } catch {
      throw new InvalidValue("authorizer groups");
    }
  }
  if (!Array.isArray(items) || !items.every((g): g is string => typeof g === "string")) {
    throw new InvalidValue("authorizer groups");
  }
  return items.filter((g) => g !== "");
}

/** OAuth scopes are space-separated (the `scope` claim, our authorizer's `scopes`); a scope never holds whitespace. */
export function splitScopes(raw: string): string[] {
  return raw.split(/\s+/).filter((s) => s !== "");
}
