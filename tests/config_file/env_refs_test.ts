/**
 * @module env_refs_test
 * substituteEnv(): `${VAR}` in strings from the environment, `$${` literal,
 * unset and malformed references as issues at their path.
 */
import assert from "node:assert/strict";
import { substituteEnv } from "../../src/config_file/env_refs.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("substituteEnv() replaces references anywhere in any string, and only strings", () => {
  const { value, issues } = substituteEnv(
    { a: "${A}", list: ["x-${B}-y", 5, true, null], nested: { k: "${A}${B}" }, "${A}": 1 },
    env({ A: "1", B: "two" }),
  );
  assert.deepEqual(issues, []);
  assert.deepEqual(value, {
    a: "1",
    list: ["x-two-y", 5, true, null],
    nested: { k: "1two" },
    "${A}": 1,
  });
});

Deno.test("substituteEnv() keeps $${ as a literal ${", () => {
  assert.deepEqual(substituteEnv({ a: "$${A} and ${A}" }, env({ A: "v" })).value, {
    a: "${A} and v",
  });
});

Deno.test("substituteEnv() names the variable and the path of an unset one", () => {
  const { issues } = substituteEnv(
    { backends: [{}, { api_key: "${OPENAI_API_KEY}" }] },
    env({}),
  );
  assert.deepEqual(issues, [{
    path: "backends[1].api_key",
    message: "Environment variable OPENAI_API_KEY is not set",
  }]);
});

Deno.test("substituteEnv() refuses a malformed reference", () => {
  for (const text of ["${}", "${1A}", "${A", "${A-B}"]) {
    const { issues } = substituteEnv({ v: text }, env({ A: "x" }));
    assert.equal(issues.length, 1, text);
    assert.equal(issues[0]!.path, "v");
  }
});

Deno.test("substituteEnv() takes an empty variable as set", () => {
  assert.deepEqual(substituteEnv({ v: "${E}" }, env({ E: "" })), { value: { v: "" }, issues: [] });
});
