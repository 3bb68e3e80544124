// Every shared case in events/expected/: the same answers as the Rust and Python readers.
import assert from "node:assert/strict";
import { test } from "node:test";

import { NoCallerIdentity, callerIdentity } from "../dist/index.js";
import { cases, existsSync, load } from "./shared-fixtures.js";

const CASES = cases();

// Handler events whose groups may still be in the comma-joined form until the group
// change to events/ lands at merge (the contract being changed): this reader refuses
// that form, and must give the shared answer for the same event in the JSON array form.
const EVENTS_BEING_CHANGED = new Set(["whoami-rest-lambda-authorizer.json", "whoami-http-api-lambda-authorizer.json"]);

const authorizerContext = (event) => event.requestContext.authorizer.lambda ?? event.requestContext.authorizer;

test("every handler event and extra case has an answer", () => {
  const names = CASES.map(([name]) => name);
  assert.ok(names.includes("whoami-rest-lambda-authorizer.json") && names.includes("link-http-api-iam.json"));
  assert.ok(names.filter((n) => n.startsWith("extra/")).length >= 9, names.join(" "));
  for (const [name, event, expected] of CASES) {
    assert.ok(existsSync(event), `${name}: no event ${event}`);
    assert.ok(existsSync(expected), `${name}: no expected answer ${expected}`);
  }
});

for (const [name, event, expected] of CASES) {
  test(`reads the shared answer: ${name}`, () => {
    const answer = load(expected);
    if ("error" in answer) {
      assert.throws(
        () => callerIdentity(load(event)),
        (error) =>
          error instanceof NoCallerIdentity &&
          error.reason === answer.error &&
          error.status === (answer.error === "no_identity" ? 401 : 403),
      );
      return;
    }
    const read = load(event);
    const groups = EVENTS_BEING_CHANGED.has(name) ? authorizerContext(read).groups : undefined;
    if (typeof groups === "string" && !groups.trimStart().startsWith("[")) {
      assert.throws(() => callerIdentity(read), /invalid authorizer groups/);
      authorizerContext(read).groups = JSON.stringify(answer.groups);
    }
    assert.deepStrictEqual(JSON.parse(JSON.stringify(callerIdentity(read))), answer);
  });
}
