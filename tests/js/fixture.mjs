// The numbers written by the Python side (tests/js_fixtures.py; tests/test_js_fixtures.py keeps
// the committed file up to date with it).
import { readFileSync } from "node:fs";

export const fixture = JSON.parse(readFileSync(new URL("./fixtures/lecture.json", import.meta.url), "utf8"));
export const layer = (name) => fixture.payload.layers.find((l) => l.name === name);
