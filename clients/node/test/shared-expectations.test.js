// Every shared case in events/expected/: the same answers as the Rust and Python readers.
import assert from "node:assert/strict";
import { test } from "node:test";

import { NoCallerIdentity, callerIdentity } from "../dist/index.js";
import { cases, existsSync, load } from "./shared-fixtures.js";

const CASES = cases();

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
    } else {
      const caller = callerIdentity(load(event));
      assert.deepStrictEqual(JSON.parse(JSON.stringify(caller)), answer);
    }
  });
}
