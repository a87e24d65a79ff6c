/**
 * @module proxy_harness
 * End-to-end rig for the proxy tests: a real file-backed Sidecar runtime
 * served over HTTP on 127.0.0.1, scripted mock upstreams behind it (an
 * OpenAI-compatible one, or Anthropic's Messages API for an `anthropic`
 * backend), a client key, and the official `openai` client pointed at Sidecar.
 */
import assert from "node:assert/strict";
import OpenAI, { APIError } from "npm:openai@7.59.0";
import type { StatusRow } from "../../src/engine/status_row.ts";
import type { GatewayConfigPatch } from "../../src/gateway_config.ts";
import type { CooldownEvent, RequestRecord } from "../../src/store/rows.ts";
import { createHttp1Client } from "../../src/upstream/http1_client.ts";
import { type MockAnthropic, startMockAnthropic } from "../helpers/mock_anthropic.ts";
import {
  type MockUpstream,
  type RecordedRequest,
  startMockUpstream,
} from "../helpers/mock_upstream.ts";
import { FakeClock, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

/** One backend of the rig; by default it gets its own mock upstream named after its id. */
export interface BackendDef {
  id: string;
  /** @default "primary" */
  pool?: string;
  /** @default ["gpt-test"] */
  models?: string[];
  model_map?: Record<string, string>;
  /** @default 1 */
  weight?: number;
  rpm_limit?: number | null;
  tpm_limit?: number | null;
  /** Point the backend here instead of at a mock (for example a closed port). */
  url?: string;
  /** @default `sk-upstream-<id>` */
  api_key?: string;
  /** @default true */
  enabled?: boolean;
  /** @default "off" */
  resume?: "off" | "prefill" | "continue_final_message";
  /** The API it speaks; `anthropic` gets a mock Messages API. @default "openai" */
  api?: "openai" | "anthropic";
}

/** A pool to create besides the default `primary` (0) and `fallback` (100). */
export interface PoolDef {
  id: string;
  priority: number;
}

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  backends: BackendDef[];
  pools?: PoolDef[];
  /** Merged over {@link FAST_CONFIG}. */
  config?: GatewayConfigPatch;
  /** Use the wall clock instead of a frozen {@link FakeClock}. */
  realClock?: boolean;
  /** @default () => 0, so a retry's jittered backoff is 0 */
  random?: () => number;
  /** An existing data dir (left in place on close). */
  dataDir?: string;
  /** The upstream client behind the call spy, to inject faults. @default Sidecar's own HTTP/1.1 client */
  fetch?: typeof fetch;
}

/** A running rig. */
export interface Proxy extends AsyncDisposable {
  rt: TestRuntime;
  clock: FakeClock;
  /** Sidecar's `/v1` base URL. */
  baseURL: string;
  origin: string;
  /** The client key created for the tests. */
  key: string;
  /** Every upstream `fetch` Sidecar made, with the signal it passed. */
  upstreamCalls: { url: string; signal: AbortSignal | undefined }[];
  client: OpenAI;
  /** The mock behind backend `id`. */
  mock(id: string): MockUpstream;
  /** The mock Messages API behind `anthropic` backend `id`. */
  anthropic(id: string): MockAnthropic;
  /** A raw POST to Sidecar with the client key. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** A raw POST as an Anthropic client sends it: the client key as `x-api-key`, `anthropic-version`. */
  postAnthropic(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Every request record, newest first (pending writes flushed). */
  records(): Promise<RequestRecord[]>;
  /** The request record of one `x-request-id`. */
  record(id: string | null | undefined): Promise<RequestRecord>;
  status(backendId: string): Promise<StatusRow>;
  cooldowns(backendId?: string): Promise<CooldownEvent[]>;
  close(): Promise<void>;
}

/** Small limits so failure paths take milliseconds. */
export const FAST_CONFIG: GatewayConfigPatch = {
  attempt_timeout_ms: 300,
  first_chunk_timeout_ms: 300,
  stream_idle_timeout_ms: 300,
  request_deadline_ms: 10_000,
};

/** A chat request body for the default model. */
export function chat<const T extends object = Record<never, never>>(extra?: T) {
  return {
    model: "gpt-test",
    messages: [{ role: "user" as const, content: "hi" }],
    ...extra,
  } as { model: string; messages: { role: "user"; content: string }[] } & T;
}

/** Boots Sidecar with the given backends and serves it on a free port. */
export async function startProxy(opts: ProxyOptions): Promise<Proxy> {
  const clock = new FakeClock();
  const upstreamCalls: Proxy["upstreamCalls"] = [];
  // The client Sidecar runs with in production, closed with the proxy.
  const client = opts.fetch ? undefined : createHttp1Client();
  const upstream = opts.fetch ?? client!.fetch;
  const spy: typeof fetch = (input, init) => {
    upstreamCalls.push({ url: String(input), signal: init?.signal ?? undefined });
    return upstream(input, init);
  };
  const rt = await startTestRuntime({
    fetch: spy,
    ...(opts.realClock ? {} : { now: clock.now, sleep: clock.sleep }),
    random: opts.random ?? (() => 0),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
  });
  const mocks = new Map<string, MockUpstream>();
  const anthropics = new Map<string, MockAnthropic>();
  let server: Deno.HttpServer | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // Mocks first: anything still waiting on an upstream is released at once.
    await Promise.all([...mocks.values(), ...anthropics.values()].map((m) => m.close()));
    await client?.close();
    await server?.shutdown();
    await rt.close();
  };
  try {
    await ok(rt.admin("PATCH", "/api/config", { ...FAST_CONFIG, ...opts.config }));
    for (const pool of opts.pools ?? []) {
      await ok(rt.admin("POST", "/api/pools", { ...pool, name: pool.id }));
    }
    for (const b of opts.backends) {
      let url = b.url;
      if (url === undefined && b.api === "anthropic") {
        const mock = await startMockAnthropic({
          name: b.id,
          apiKey: b.api_key ?? `sk-upstream-${b.id}`,
        });
        anthropics.set(b.id, mock);
        url = mock.url;
      } else if (url === undefined) {
        const mock = await startMockUpstream({ name: b.id });
        mocks.set(b.id, mock);
        url = mock.url;
      }
      await ok(rt.admin("POST", "/api/backends", {
        id: b.id,
        name: b.id,
        base_url: url,
        api_key: b.api_key ?? `sk-upstream-${b.id}`,
        pool_id: b.pool ?? "primary",
        models: b.models ?? ["gpt-test"],
        model_map: b.model_map ?? {},
        weight: b.weight ?? 1,
        rpm_limit: b.rpm_limit ?? null,
        tpm_limit: b.tpm_limit ?? null,
        enabled: b.enabled ?? true,
        resume: b.resume ?? "off",
        api: b.api ?? "openai",
      }));
    }
    const key: string = (await ok(rt.admin("POST", "/api/keys", { name: "tests" }))).data.key;
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, rt.app.fetch);
    const origin = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
    const baseURL = `${origin}/v1`;
    const records = async (): Promise<RequestRecord[]> => {
      rt.deps.store.flush();
      return (await ok(rt.admin("GET", "/api/requests?limit=1000"))).data;
    };
    return {
      rt,
      clock,
      baseURL,
      origin,
      key,
      upstreamCalls,
      client: new OpenAI({ apiKey: key, baseURL, maxRetries: 0 }),
      mock(id) {
        const m = mocks.get(id);
        assert.ok(m, `no mock for backend "${id}"`);
        return m;
      },
      anthropic(id) {
        const m = anthropics.get(id);
        assert.ok(m, `no mock Messages API for backend "${id}"`);
        return m;
      },
      post: (path, body, headers = {}) =>
        fetch(`${baseURL}${path}`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${key}`,
            "content-type": "application/json",
            ...headers,
          },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
      postAnthropic: (path, body, headers = {}) =>
        fetch(`${baseURL}${path}`, {
          method: "POST",
          headers: {
            "x-api-key": key,
            "anthropic-version": "2023-06-01",
            "content-type": "application/json",
            ...headers,
          },
          body: typeof body === "string" ? body : JSON.stringify(body),
        }),
      records,
      async record(id) {
        assert.ok(id, "response has no x-request-id");
        const found = (await records()).find((r) => r.id === id);
        assert.ok(found, `no request record "${id}"`);
        return found;
      },
      async status(backendId) {
        const rows: StatusRow[] = (await ok(rt.admin("GET", "/api/status"))).data;
        const row = rows.find((r) => r.backend_id === backendId);
        assert.ok(row, `no status row for "${backendId}"`);
        return row;
      },
      async cooldowns(backendId) {
        const q = backendId ? `?backend_id=${encodeURIComponent(backendId)}` : "";
        return (await ok(rt.admin("GET", `/api/cooldowns${q}`))).data;
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The JSON of a 2xx admin response; fails the test on anything else. */
export async function ok(res: Promise<Response> | Response) {
  const r = await res;
  const text = await r.text();
  assert.ok(r.ok, `admin call failed: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A port on 127.0.0.1 that refuses connections (bound, then released). */
export function refusedUrl(): string {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return `http://127.0.0.1:${port}/v1`;
}

/** Runs `fn` expecting the openai client to throw an `APIError`; returns it. */
export async function apiError(fn: () => Promise<unknown>): Promise<APIError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof APIError) return err;
    throw err;
  }
  assert.fail("expected an APIError");
}

/** The Sidecar error shape (docs/api.md, "Errors"). */
export function assertErrorShape(body: unknown): asserts body is {
  error: { message: string; type: string; param: string | null; code: string | null };
} {
  const e = (body as { error?: Record<string, unknown> })?.error;
  assert.ok(e && typeof e === "object", `not an error body: ${JSON.stringify(body)}`);
  assert.deepEqual(Object.keys(e).sort(), ["code", "message", "param", "type"]);
  assert.equal(typeof e.message, "string");
  assert.equal(typeof e.type, "string");
}

/** `(until - now)` of a status row, in whole seconds. */
export function coolingSeconds(row: StatusRow, now: number): number | null {
  return row.cooldown_until === null ? null : (Date.parse(row.cooldown_until) - now) / 1000;
}

/** Seconds left of the cooldown of the (backend, `model`) pair in `row`, or null when it is not cooling. */
export function pairCoolingSeconds(row: StatusRow, now: number, model = "gpt-test"): number | null {
  const pair = row.models_cooling.find((m) => m.model === model);
  return pair?.cooldown_until ? (Date.parse(pair.cooldown_until) - now) / 1000 : null;
}

/** Attempts of a record as `backend:reason` strings. */
export function attemptsOf(r: RequestRecord): string[] {
  return r.attempts.map((a) => `${a.backend_id}:${a.reason}`);
}

/** Asserts that the mock saw the connection of `req` close within `ms` (Sidecar aborted it). */
export async function assertUpstreamClosed(
  req: RecordedRequest | undefined,
  ms = 2000,
): Promise<void> {
  assert.ok(req, "no upstream request");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), ms));
  const result = await Promise.race([req.closed.then(() => "closed" as const), late]);
  clearTimeout(timer);
  assert.equal(result, "closed", "the upstream connection was left open");
}
