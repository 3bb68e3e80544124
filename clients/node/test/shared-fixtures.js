// The shared cases: each sample event a handler sees, with its expected answer.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const EVENTS = fileURLToPath(new URL("../../../events/", import.meta.url));
export const EXPECTED = join(EVENTS, "expected");

export function load(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** [name, event file, expected file] for every whoami-* and link-* event and every extra case. */
export function cases() {
  const found = [];
  for (const name of readdirSync(EVENTS).sort()) {
    if ((name.startsWith("whoami-") || name.startsWith("link-")) && name.endsWith(".json")) {
      found.push([name, join(EVENTS, name), join(EXPECTED, name)]);
    }
  }
  for (const file of readdirSync(join(EXPECTED, "extra")).sort()) {
    if (file.endsWith(".expected.json")) {
      const name = file.slice(0, -".expected.json".length);
      found.push([`extra/${name}`, join(EXPECTED, "extra", `${name}.event.json`), join(EXPECTED, "extra", file)]);
    }
  }
  return found;
}

export { existsSync };
