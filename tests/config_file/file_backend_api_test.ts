/**
 * @module file_backend_api_test
 * A backend's `api` in the config file: `api: anthropic` applied to SQLite
 * and the routing table with its base URL stored by the api's rule, bad
 * values refused with their paths, and config export writing `api` so the
 * file reads back the same.
 */
import assert from "node:assert/strict";
import { ConfigFileLoader } from "../../src/config_file/config_file_loader.ts";
import { formatIssues } from "../../src/config_file/config_issue.ts";
import { exportConfig, keyVariable } from "../../src/config_file/export_config.ts";
import { parseConfigText } from "../../src/config_file/parse_config_file.ts";
import { FakeClock, startTestRuntime } from "../helpers/test_runtime.ts";

const STORED = {
  pools: [{ id: "primary", managed: null }, { id: "fallback", managed: null }],
  backends: [],
  keys: [],
};

const ENV: Record<string, string> = { ANTHROPIC_API_KEY: "sk-ant-file-000000000000000000005678" };

/** The contract's example, with the base URL as an operator might paste it. */
const FILE = `backends:
  - { id: openai-main, base_url: "https://api.openai.com/v1/", models: ["gpt-4o*"] }
  - { id: claude, api: anthropic, base_url: https://api.anthropic.com/v1/messages,
      api_key: "\${ANTHROPIC_API_KEY}", models: ["claude-*"], pool_id: fallback, resume: prefill }
`;

Deno.test("a config file with api: anthropic is applied with the base URL at its root", async () => {
  await using rt = await startTestRuntime({ now: new FakeClock().now });
  const path = `${rt.dataDir}/sidecar.yaml`;
  await Deno.writeTextFile(path, FILE);
  const loader = new ConfigFileLoader(rt.deps, path, { env: (name) => ENV[name] });
  assert.deepEqual(await loader.load("test"), { applied: true });

  const claude = rt.deps.store.backends.get("claude")!;
  assert.equal(claude.api, "anthropic");
  assert.equal(claude.base_url, "https://api.anthropic.com");
  assert.equal(claude.managed, "file");
  const live = rt.deps.registry.get("claude")!;
  assert.equal(live.api, "anthropic");
  assert.equal(live.base_url, "https://api.anthropic.com");
  assert.equal(live.api_key, ENV.ANTHROPIC_API_KEY);
  const openai = rt.deps.registry.get("openai-main")!;
  assert.equal(openai.api, "openai", "openai when the file says nothing");
  assert.equal(openai.base_url, "https://api.openai.com/v1");
  const view = (await (await rt.admin("GET", "/api/backends/claude")).json()).data;
  assert.equal(view.api, "anthropic");

  // A reload with the same file changes nothing; one that switches the api does.
  assert.deepEqual(await loader.load("test"), { applied: true });
  assert.equal(rt.deps.store.backends.get("claude")!.updated_at, claude.updated_at);
  await Deno.writeTextFile(path, FILE.replace("api: anthropic", "api: openai"));
  const refused = await loader.load("test");
  assert.ok(refused && !refused.applied);
  assert.match(formatIssues(refused.issues), /backends\[1\]\.base_url: .*Messages endpoint/);
  assert.equal(rt.deps.registry.get("claude")!.api, "anthropic", "the running config kept");
});

Deno.test("config check refuses an unknown api and an endpoint URL, naming the path", () => {
  const cases: [string, string][] = [
    [
      `backends: [{ id: a, api: gemini, base_url: "http://x/v1", models: [m] }]`,
      'backends[0].api: Must be "openai" or "anthropic"',
    ],
    [
      `backends: [{ id: a, base_url: "http://x/v1", models: [m] },
        { id: b, base_url: "https://api.openai.com/v1/chat/completions", models: [m] }]`,
      "backends[1].base_url: The base URL ends in the endpoint /chat/completions: give the API's base",
    ],
    [
      `backends: [{ id: a, api: anthropic, base_url: "https://x/v1/chat/completions", models: [m] }]`,
      "backends[0].base_url: The base URL ends in /chat/completions, an OpenAI endpoint",
    ],
  ];
  for (const [text, expected] of cases) {
    const parsed = parseConfigText(text, () => undefined, STORED);
    assert.ok(!parsed.ok, text);
    assert.ok(formatIssues(parsed.issues).includes(expected), formatIssues(parsed.issues));
  }
});

Deno.test("config export writes api when it is not openai, and the file reads back the same", async () => {
  await using rt = await startTestRuntime({ now: new FakeClock().now });
  for (
    const body of [
      { id: "claude", name: "Claude", api: "anthropic", base_url: "https://api.anthropic.com/v1" },
      { id: "oai", name: "OAI", base_url: "https://api.openai.com/v1" },
    ]
  ) {
    const res = await rt.admin("POST", "/api/backends", {
      ...body,
      api_key: "sk-test-0000000000000000000000000000",
      models: ["*"],
    });
    assert.equal(res.status, 201, await res.text());
  }
  const text = exportConfig({
    config: rt.deps.registry.config,
    pools: rt.deps.store.pools.list(),
    backends: rt.deps.store.backends.list(),
    keys: [],
    prices: [],
  });
  assert.equal(text.match(/^\s+api: /gm)?.length, 1, "only the anthropic backend names its api");
  assert.match(
    text,
    /- id: claude\n\s+name: Claude\n\s+api: anthropic\n\s+base_url: https:\/\/api\.anthropic\.com\n/,
  );
  const env = (name: string) =>
    [keyVariable("claude"), keyVariable("oai")].includes(name) ? "sk-x" : undefined;
  const parsed = parseConfigText(text, env, STORED);
  assert.ok(parsed.ok, parsed.ok ? "" : formatIssues(parsed.issues));
  assert.deepEqual(
    parsed.config.backends.map((b) => [b.id, b.api, b.base_url]),
    rt.deps.store.backends.list().map((b) => [b.id, b.api, b.base_url]),
  );
  assert.deepEqual(
    parsed.config.backends.map((b) => [b.id, b.api, b.base_url]).sort(),
    [["claude", "anthropic", "https://api.anthropic.com"], [
      "oai",
      "openai",
      "https://api.openai.com/v1",
    ]],
  );
});
