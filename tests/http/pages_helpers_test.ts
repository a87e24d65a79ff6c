/**
 * @module pages_helpers_test
 * The dashboard's pure parts: the failed-login limiter, the same-origin
 * check, form decoding, usage ranges and chart series, and the two store
 * queries the dashboard added (`series`, `summary`).
 */
import assert from "node:assert/strict";
import {
  backendBody,
  backendValues,
  parseModelMap,
  splitModels,
} from "../../src/http/pages/backend_form.ts";
import { bucketRange, buildCharts, MAX_SERIES } from "../../src/http/pages/chart_data.ts";
import { isSameOrigin } from "../../src/http/pages/csrf.ts";
import { toFieldErrors } from "../../src/http/pages/form_input.ts";
import { loginUrl, safeNext } from "../../src/http/pages/session.ts";
import { settingsBody, settingSpecs } from "../../src/http/pages/settings_fields.ts";
import { bucketFor, resolveUsageRange } from "../../src/http/pages/usage_range.ts";
import { BadRequestError, ConflictError, NotFoundError } from "../../src/errors.ts";
import type { SeriesRow } from "../../src/store/rows.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

Deno.test("isSameOrigin trusts Sec-Fetch-Site and compares Origin's host", () => {
  const url = "http://127.0.0.1:8686/pools";
  const h = (init: Record<string, string>) => new Headers(init);
  assert.equal(isSameOrigin(h({}), url), true, "no browser signals: token decides");
  assert.equal(isSameOrigin(h({ "sec-fetch-site": "same-origin" }), url), true);
  assert.equal(isSameOrigin(h({ "sec-fetch-site": "none" }), url), true);
  assert.equal(isSameOrigin(h({ "sec-fetch-site": "cross-site" }), url), false);
  assert.equal(isSameOrigin(h({ "sec-fetch-site": "same-site" }), url), false);
  assert.equal(isSameOrigin(h({ origin: "http://127.0.0.1:8686" }), url), true);
  assert.equal(isSameOrigin(h({ origin: "http://127.0.0.1:9999" }), url), false);
  assert.equal(isSameOrigin(h({ origin: "null" }), url), false);
  assert.equal(isSameOrigin(h({ origin: "not a url" }), url), false);
  assert.equal(
    isSameOrigin(h({ origin: "https://gw.example", host: "gw.example" }), "http://10.0.0.5/x"),
    true,
    "behind a TLS proxy the host matches",
  );
});

Deno.test("safeNext and loginUrl keep redirects on this site", () => {
  assert.equal(safeNext("/usage?range=7d"), "/usage?range=7d");
  for (const bad of [undefined, "", "//evil", "https://evil", "/\\evil", "usage"]) {
    assert.equal(safeNext(bad), "/", String(bad));
  }
  assert.equal(loginUrl("http://x/"), "/login");
  assert.equal(loginUrl("http://x/keys?a=1"), "/login?next=%2Fkeys%3Fa%3D1");
});

Deno.test("splitModels takes lines or commas and drops blanks and repeats", () => {
  assert.deepEqual(splitModels(" gpt-4o* ,gpt-test\n\n gpt-test \nllama3:8b"), [
    "gpt-4o*",
    "gpt-test",
    "llama3:8b",
  ]);
});

Deno.test("parseModelMap reads 'requested = upstream' lines", () => {
  assert.deepEqual(
    parseModelMap("gpt-4o = gpt-4o-2024-08-06\n# note\n\n* -> fb-ok\nllama3:8b=>llama3"),
    { "gpt-4o": "gpt-4o-2024-08-06", "*": "fb-ok", "llama3:8b": "llama3" },
  );
  const proto = parseModelMap("__proto__ = x\nconstructor = y");
  assert.equal(Object.getPrototypeOf(proto), Object.prototype, "no prototype pollution");
  assert.equal(Object.getOwnPropertyDescriptor(proto, "__proto__")?.value, "x");
  assert.equal(proto.constructor, "y");
  assert.throws(() => parseModelMap("a\nb = c"), (e: BadRequestError) => e.param === "model_map");
  assert.throws(() => parseModelMap("a = b\na = c"), /"a" is mapped twice/);
});

Deno.test("backendBody: create keeps an empty key; edit omits it; numbers decoded", () => {
  const form = { name: "N", base_url: "http://x/v1", pool_id: "primary", models: "m", weight: "" };
  const create = backendBody({ ...form, api_key: "" }, "create");
  assert.equal(create.api_key, "");
  assert.equal("weight" in create, false, "empty weight: the default applies");
  assert.equal(create.enabled, false, "unticked");
  assert.equal(create.rpm_limit, null);
  const edit = backendBody({ ...form, api_key: "", rpm_limit: "1_000", enabled: "on" }, "edit");
  assert.equal("api_key" in edit, false, "empty key means unchanged");
  assert.equal(edit.rpm_limit, 1000);
  assert.equal(edit.enabled, true);
  assert.equal(backendBody({ ...form, weight: "x" }, "edit").weight, "x", "left to the schema");
  assert.equal(backendBody({ ...form, id: " my-id " }, "create").id, "my-id");
  assert.equal("resume" in create, false, "no resume field: the default (or stored value) applies");
  assert.equal(
    backendBody({ ...form, resume: "nope" }, "edit").resume,
    "nope",
    "left to the schema",
  );
});

Deno.test("backendValues shows a stored backend as a person would type it", () => {
  const v = backendValues({
    id: "b",
    name: "B",
    base_url: "http://x/v1",
    api_key_hint: "sk-…1234",
    managed: null,
    pool_id: "primary",
    models: ["a", "b*"],
    model_map: { a: "a2", "*": "z" },
    weight: 1,
    rpm_limit: null,
    tpm_limit: 5000,
    enabled: true,
    resume: "prefill",
    api: "openai",
    not_resumable_models: ["a"],
    status: "active",
    paused: false,
    cooldown_until: null,
    consecutive_429: 0,
    created_at: "",
    updated_at: "",
  });
  assert.equal(v.models, "a\nb*");
  assert.equal(v.model_map, "a = a2\n* = z");
  assert.equal(v.rpm_limit, "");
  assert.equal(v.tpm_limit, "5000");
  assert.equal(v.resume, "prefill");
  assert.equal("api_key" in v, false);
});

Deno.test("toFieldErrors maps a param to its top-level field and leaves other errors", () => {
  assert.deepEqual(
    toFieldErrors(new BadRequestError('Invalid "models.2": Too long', "models.2")),
    { models: "Too long" },
  );
  assert.deepEqual(toFieldErrors(new ConflictError("Busy")), { _form: "Busy" });
  assert.equal(toFieldErrors(new NotFoundError("gone")), undefined);
  assert.equal(toFieldErrors(new Error("bug")), undefined);
});

Deno.test("settingSpecs reads ranges and defaults from the config schema", () => {
  const s = settingSpecs();
  assert.deepEqual(
    [s.cooldown_base_seconds.min, s.cooldown_base_seconds.max, s.cooldown_base_seconds.default],
    [0, 86_400, 5],
  );
  assert.equal(s.attempt_timeout_ms.unit, "ms");
  assert.equal(s.max_body_bytes.unit, "bytes");
  assert.equal(s.cooldown_exponential_backoff.unit, "bool");
  assert.equal(s.max_attempts.unit, "count");
  assert.throws(() => settingsBody({}), (e: BadRequestError) => e.param !== null);
});

Deno.test("resolveUsageRange: presets, custom UTC ranges and the bar width", () => {
  const now = T0;
  const day = resolveUsageRange({}, now);
  assert.deepEqual([day.range, day.group, day.until - day.since], ["24h", "model", 86_400_001]);
  assert.equal(day.bucketMs, 15 * 60_000);
  const c = resolveUsageRange(
    { range: "custom", since: "2026-11-01T00:00", until: "2026-11-02T00:00", group: "key" },
    now,
  );
  assert.equal(c.since, Date.UTC(2026, 10, 1));
  assert.equal(c.group, "key");
  assert.throws(
    () =>
      resolveUsageRange(
        { range: "custom", since: "2026-11-02T00:00", until: "2026-11-01T00:00" },
        now,
      ),
    (e: BadRequestError) => e.param === "until",
  );
  assert.throws(() => resolveUsageRange({ range: "custom", since: "soon" }, now), /not a date/);
  assert.throws(
    () => resolveUsageRange({ group: "nope" }, now),
    (e: BadRequestError) => e.param === "group",
  );
  assert.equal(bucketFor(3_600_000), 60_000);
  assert.equal(bucketFor(30 * 86_400_000), 6 * 3_600_000);
});

Deno.test("buildCharts fills empty buckets and folds small groups into 'others'", () => {
  const row = (bucket: number, key: string, requests: number): SeriesRow => ({
    bucket,
    key,
    requests,
    errors: key === "k0" ? 1 : 0,
    prompt_tokens: requests,
    completion_tokens: requests,
    total_tokens: requests * 2,
  });
  const rows = Array.from({ length: MAX_SERIES + 2 }, (_, i) => row(T0 + 60_000, `k${i}`, 10 - i));
  const range = { since: T0, until: T0 + 3 * 60_000, bucketMs: 60_000 };
  const { requests, errors, total_tokens } = buildCharts(
    rows,
    ["requests", "errors", "total_tokens"],
    range,
    (k) => k.toUpperCase(),
  );
  assert.equal(requests.count, 3);
  assert.deepEqual(requests.series.map((s) => s.name), ["K0", "K1", "K2", "K3", "K4", "3 others"]);
  assert.deepEqual(requests.series[0]!.values, [0, 10, 0]);
  assert.deepEqual(requests.series[5]!.values, [0, 5 + 4 + 3, 0]);
  assert.equal(requests.series[5]!.other, true);
  assert.deepEqual(errors.series[0]!.values, [0, 1, 0]);
  assert.deepEqual(total_tokens.series[1]!.values, [0, 18, 0]);
  assert.deepEqual(bucketRange(T0 + 30_000, T0 + 90_000, 60_000), { start: T0, count: 2 });
});

Deno.test("requests.series() and summary(): per-bucket groups, nearest-rank percentiles", async () => {
  await using rt = await startTestRuntime();
  const repo = rt.deps.store.requests;
  const base = {
    model: "m",
    upstream_model: null,
    pool_id: null,
    key_id: null,
    api: "openai" as const,
    status: 200,
    stream: false,
    attempts: [],
    ttfb_ms: null,
    prompt_tokens: 1,
    completion_tokens: 2,
    total_tokens: 3,
    cost_usd: null,
    unpriced: false,
    usage_estimated: false,
    error: null,
  };
  for (let i = 0; i < 10; i++) {
    repo.insert({
      ...base,
      id: `r${i}`,
      ts: T0 + i * 30_000,
      backend_id: i < 4 ? "a" : null,
      outcome: i === 9 ? "upstream_error" : "ok",
      latency_ms: (i + 1) * 10,
    });
  }
  const rows = repo.series("backend", 60_000, T0, T0 + 300_000);
  assert.deepEqual(rows.slice(0, 3).map((r) => [r.bucket - T0, r.key, r.requests]), [
    [0, "a", 2],
    [60_000, "a", 2],
    [120_000, "(none)", 2],
  ]);
  assert.equal(rows.at(-1)!.errors, 1);
  assert.deepEqual(repo.series("total", 300_000, T0, T0 + 300_000).map((r) => r.requests), [10]);
  const s = repo.summary(T0, T0 + 300_000);
  assert.deepEqual(
    [s.requests, s.errors, s.total_tokens, s.p50_latency_ms, s.p95_latency_ms],
    [10, 1, 30, 50, 100],
  );
  const none = repo.summary(0, 1);
  assert.deepEqual([none.requests, none.p50_latency_ms, none.p95_latency_ms], [0, null, null]);
});
