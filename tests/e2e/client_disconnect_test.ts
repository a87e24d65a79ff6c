/**
 * @module client_disconnect_test
 * A client that sends a large body and hangs up before the answer starts:
 * Deno 2.9.6 does not abort `request.signal` for a body that large, so
 * Sidecar's server notices the closed socket itself. The upstream call must
 * be aborted within seconds, the request recorded as 499 `cancelled`, and the
 * backend not blamed. Against a real process and a real upstream.
 */
import assert from "node:assert/strict";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import { LimitedSidecar, writeAll } from "../helpers/limited_sidecar.ts";

const TOKEN = "sc-admin-e2e-disconnect";

async function api(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** Polls `probe` every 100 ms until it returns a value, for at most `ms`. */
async function within<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined || Date.now() >= deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test("sidecar serve: a client that sends a 10 KB body and hangs up is recorded 499 cancelled, its upstream call aborted, the backend not blamed", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-e2e-disconnect-" });
  const upstream = await startMockUpstream({ name: "slow", default: { kind: "hang" } });
  try {
    await using sidecar = await LimitedSidecar.start({
      dataDir,
      token: TOKEN,
      env: { SIDECAR_LOG_LEVEL: "warn" },
    });
    const base = sidecar.url;
    const created = await api(base, "POST", "/api/backends", {
      id: "b1",
      name: "Slow",
      base_url: upstream.url,
      api_key: "sk-upstream-b1",
      models: ["*"],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    // Without the fix the upstream call would run to this timeout and count as the backend's failure.
    const patched = await api(base, "PATCH", "/api/config", {
      attempt_timeout_ms: 12_000,
      max_attempts: 1,
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.json));

    const body = JSON.stringify({
      model: "gpt-test",
      messages: [{ role: "user", content: "x".repeat(10 * 1024) }],
    });
    const client = await Deno.connect({ hostname: "127.0.0.1", port: sidecar.port });
    await writeAll(
      client,
      `POST /v1/chat/completions HTTP/1.1\r\nHost: sidecar\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const sent = await within(5_000, () => Promise.resolve(upstream.requests[0]));
    assert.ok(sent, "the request reached the upstream");
    client.close();
    const closedAt = Date.now();

    const aborted = await Promise.race([
      sent.closed.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 6_000)),
    ]);
    assert.ok(aborted, "the upstream call is aborted within a few seconds of the hang-up");
    assert.ok(Date.now() - closedAt < 6_000);

    const record = await within(5_000, async () => {
      const list = await api(base, "GET", "/api/requests?limit=10");
      return (list.json.data as { status: number; outcome: string }[])[0];
    });
    assert.ok(record, "the request is recorded");
    assert.equal(record.status, 499, JSON.stringify(record));
    assert.equal(record.outcome, "cancelled", JSON.stringify(record));

    const status = await api(base, "GET", "/api/status");
    const rows = status.json.data as { backend_id: string; status: string; failures: number }[];
    const row = rows.find((b) => b.backend_id === "b1");
    assert.ok(row, JSON.stringify(status.json));
    assert.equal(row.failures, 0, JSON.stringify(row));
    assert.equal(row.status, "active", JSON.stringify(row));
    assert.doesNotMatch(sidecar.output, /unexpected error/);
  } finally {
    await upstream.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
