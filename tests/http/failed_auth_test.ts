/**
 * @module failed_auth_test
 * One failed-authentication limiter for `/api`, `/v1` and the sign-in form,
 * through the real app: failures then 429 with Retry-After, the right
 * secret still accepted while limited, state kept across a re-boot, and a
 * valid key never touching the limiter.
 */
import assert from "node:assert/strict";
import { AUTH_LIMIT_DEFAULTS, FailedAuthLimiter } from "../../src/auth/failed_auth_limiter.ts";
import {
  ADMIN_TOKEN,
  FakeClock,
  startTestRuntime,
  type TestRuntime,
} from "../helpers/test_runtime.ts";

const N = AUTH_LIMIT_DEFAULTS.maxFailures;

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

async function status(res: Response | Promise<Response>): Promise<number> {
  const r = await res;
  await r.body?.cancel();
  return r.status;
}

async function failN(rt: TestRuntime, path: string, clock: FakeClock): Promise<void> {
  for (let i = 0; i < N; i++) {
    assert.equal(await status(rt.app.request(path, bearer(`wrong-${i}`))), 401, `failure ${i + 1}`);
    clock.advance(1000);
  }
}

for (const path of ["/api/backends", "/v1/models"]) {
  Deno.test(`${path}: ${N} failures, then 429 with Retry-After; the right token still works`, async () => {
    const clock = new FakeClock();
    await using rt = await startTestRuntime({ now: clock.now });
    await failN(rt, path, clock);
    const limited = await rt.app.request(path, bearer("wrong-again"));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), String(60 - N));
    const body = await limited.json();
    assert.equal(body.error.type, "rate_limit_error");
    assert.equal(body.error.code, "too_many_auth_failures");
    assert.equal(await status(rt.app.request(path, bearer(ADMIN_TOKEN))), 200);
    clock.advance((60 - N) * 1000);
    assert.equal(await status(rt.app.request(path, bearer("wrong"))), 401, "the window moved on");
  });
}

Deno.test("POST /login shares the limit: 429 with the form's error, the right token still signs in", async () => {
  const clock = new FakeClock();
  await using rt = await startTestRuntime({ now: clock.now });
  await failN(rt, "/v1/models", clock);
  const login = (token: string) =>
    rt.app.request("/login", { method: "POST", body: new URLSearchParams({ token }) });
  const limited = await login("wrong");
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), String(60 - N));
  assert.match(await limited.text(), /Too many failed sign-ins: try again in \d+ s/);
  const ok = await login(ADMIN_TOKEN);
  assert.equal(ok.status, 303);
  assert.match(ok.headers.get("set-cookie") ?? "", /sidecar_session=/);
});

Deno.test("the failed-auth limit survives a re-boot on the same data dir", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-auth-limit-" });
  const clock = new FakeClock();
  try {
    {
      await using rt = await startTestRuntime({ dataDir, now: clock.now });
      await failN(rt, "/api/pools", clock);
    }
    await using rt = await startTestRuntime({ dataDir, now: clock.now });
    const res = await rt.app.request("/api/pools", bearer("wrong"));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), String(60 - N));
    await res.body?.cancel();
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a valid key's path does no limiter work", async () => {
  await using rt = await startTestRuntime();
  const key = (await (await rt.admin("POST", "/api/keys", { name: "k" })).json()).data.key;
  const untouchable = new Proxy(rt.deps.authLimiter, {
    get() {
      throw new Error("the limiter was consulted");
    },
  }) as FailedAuthLimiter;
  rt.deps.authLimiter = untouchable;
  assert.equal(await status(rt.app.request("/v1/models", bearer(key))), 200);
  assert.equal(await status(rt.app.request("/v1/models", bearer(ADMIN_TOKEN))), 200);
  assert.equal(await status(rt.app.request("/api/pools", bearer(ADMIN_TOKEN))), 200);
});
