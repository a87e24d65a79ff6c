/**
 * @module parse_config_file_test
 * parseConfigText(): the whole file is validated before anything is applied;
 * each refusal names where it is (a path, or the YAML line).
 */
import assert from "node:assert/strict";
import { parseConfigText } from "../../src/config_file/parse_config_file.ts";
import { formatIssues } from "../../src/config_file/config_issue.ts";
import type { StoredIds } from "../../src/config_file/check_references.ts";

const STORED: StoredIds = {
  pools: [{ id: "primary", managed: null }, { id: "fallback", managed: null }],
  backends: [],
  keys: [],
};
const ENV: Record<string, string> = { OPENAI_API_KEY: "sk-test-1234567890" };
const env = (name: string) => ENV[name];
const HASH = "a".repeat(64);

const GOOD = `
settings: { cooldown_base_seconds: 5, pool_retries: 1 }
pools:
  - { id: primary, priority: 0 }
  - { id: fallback, priority: 100 }
backends:
  - id: openai-main
    base_url: https://api.openai.com/v1/
    api_key: \${OPENAI_API_KEY}
    models: ["gpt-4o*"]
    rpm_limit: 500
  - { id: local, base_url: "http://127.0.0.1:8000/v1", models: ["*"], pool_id: fallback, resume: prefill }
keys:
  - { id: billing, name: billing-service, sha256: "${HASH.toUpperCase()}" }
`;

Deno.test("parseConfigText() accepts the example file, with ${VAR} replaced and defaults filled", () => {
  const r = parseConfigText(GOOD, env, STORED);
  assert.ok(r.ok, r.ok ? "" : formatIssues(r.issues));
  const [main, local] = r.config.backends;
  assert.equal(main!.api_key, "sk-test-1234567890");
  assert.equal(main!.base_url, "https://api.openai.com/v1");
  assert.equal(main!.pool_id, "primary");
  assert.equal(local!.resume, "prefill");
  assert.equal(local!.api_key, "");
  assert.equal(r.config.keys[0]!.sha256, HASH);
  assert.deepEqual(r.config.settings, { cooldown_base_seconds: 5, pool_retries: 1 });
});

Deno.test("parseConfigText() reads JSON as well (JSON is YAML)", () => {
  const json = JSON.stringify({
    backends: [{ id: "b", base_url: "http://x/v1", models: ["m"], api_key: "${OPENAI_API_KEY}" }],
  });
  const r = parseConfigText(json, env, STORED);
  assert.ok(r.ok);
  assert.equal(r.config.backends[0]!.api_key, ENV.OPENAI_API_KEY);
});

const backend = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ id: "b", base_url: "http://x/v1", models: ["m"], ...over });

/** [what, file, expected "path: message" fragments]. */
const REFUSED: [string, string, string[]][] = [
  ["a wrong type", `settings: { pool_retries: "2" }`, ["settings.pool_retries: Invalid input"]],
  ["an out-of-range value", `settings: { max_attempts: 0 }`, ["settings.max_attempts:"]],
  ["an unknown top-level field", `pool: []`, ["pool: Unknown field"]],
  ["an unknown backend field", `backends: [${backend({ region: "eu" })}]`, [
    "backends[0].region: Unknown field",
  ]],
  ["a bad base_url", `backends: [${backend()}, ${backend({ id: "c", base_url: "ftp://x" })}]`, [
    "backends[1].base_url: Must be an http(s) URL",
  ]],
  ["a duplicate backend id", `backends: [${backend()}, ${backend()}]`, [
    'backends[1].id: Duplicate id "b" (also backends[0])',
  ]],
  ["a duplicate pool id", `pools: [{ id: p, priority: 1 }, { id: p, priority: 2 }]`, [
    'pools[1].id: Duplicate id "p"',
  ]],
  ["a missing pool", `backends: [${backend({ pool_id: "nowhere" })}]`, [
    'backends[0].pool_id: No pool "nowhere" in the file or the database',
  ]],
  [
    "an unset variable",
    `backends: [${backend()}, ${backend({ id: "c", api_key: "${ANTHROPIC_API_KEY}" })}]`,
    ["backends[1].api_key: Environment variable ANTHROPIC_API_KEY is not set"],
  ],
  ["a bad key hash", `keys: [{ id: k, name: n, sha256: abc }]`, [
    "keys[0].sha256: Must be the 64 hex",
  ]],
  [
    "the same key twice",
    `keys: [{ id: k, name: n, sha256: "${HASH}" }, { id: j, name: n, sha256: "${HASH}" }]`,
    ["keys[1].sha256: Same sha256 as keys[0]"],
  ],
  ["a price without its output price", `prices: [{ model: gpt-4o, input_per_mtok: 2.5 }]`, [
    "prices[0].output_per_mtok: Must be a number",
  ]],
  [
    "a negative price and a glob listed twice",
    `prices: [{ model: "gpt-4o*", input_per_mtok: -1, output_per_mtok: 10 },
      { model: "gpt-4o*", input_per_mtok: 1, output_per_mtok: 10 }]`,
    [
      "prices[0].input_per_mtok: Must not be negative",
      'prices[1].model: Duplicate model glob "gpt-4o*"',
    ],
  ],
  ["invalid YAML", `settings:\n  pool_retries: 1\n  bad: [unclosed\n`, ["line "]],
  ["a duplicate YAML key", `settings: {}\nsettings: {}\n`, ["line 2: Invalid YAML"]],
  ["an empty file", ``, ["The file is empty"]],
  ["a list at the top", `- a\n- b\n`, ["The file must be a mapping"]],
];

for (const [what, text, expected] of REFUSED) {
  Deno.test(`parseConfigText() refuses ${what}, naming where`, () => {
    const r = parseConfigText(text, env, STORED);
    assert.equal(r.ok, false, `accepted: ${text}`);
    const out = r.ok ? "" : formatIssues(r.issues);
    for (const e of expected) assert.ok(out.includes(e), `${JSON.stringify(e)} not in:\n${out}`);
  });
}

Deno.test("parseConfigText() reports every error of a file at once", () => {
  const text = `settings: { pool_retries: -1, nope: 1 }
backends: [${backend({ base_url: "x" })}, ${backend({ id: "c", api_key: "\${UNSET_A}" })}]`;
  const r = parseConfigText(text, env, STORED);
  assert.ok(!r.ok);
  const out = formatIssues(r.issues);
  for (const e of ["settings.pool_retries", "settings.nope", "backends[0].base_url", "UNSET_A"]) {
    assert.ok(out.includes(e), out);
  }
});

Deno.test("parseConfigText() counts a dropped file pool as gone, a dashboard pool as there", () => {
  const stored: StoredIds = {
    pools: [{ id: "mine", managed: null }, { id: "old", managed: "file" }],
    backends: [{ id: "dash", pool_id: "old", managed: null }],
    keys: [],
  };
  const r = parseConfigText(
    `backends: [${backend({ pool_id: "mine" })}, ${backend({ id: "c", pool_id: "old" })}]`,
    env,
    stored,
  );
  assert.ok(!r.ok);
  const out = formatIssues(r.issues);
  assert.ok(out.includes('backends[1].pool_id: No pool "old"'), out);
  assert.ok(!out.includes("backends[0]"), out);
  const kept = parseConfigText(`pools: [{ id: old, priority: 5 }]`, env, stored);
  assert.ok(kept.ok);
  const dropped = parseConfigText(`{}`, env, stored);
  assert.ok(!dropped.ok && formatIssues(dropped.issues).includes('Pool "old" left the file'));
});
