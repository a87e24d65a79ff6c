/**
 * @module canary_test
 * A provider key planted as a canary must never come out: not in any admin
 * response (success or error), not in a log line, and not in plaintext in the
 * SQLite file or its WAL.
 */
import assert from "node:assert/strict";
import { requestEntry } from "../helpers/request_entry.ts";
import { FakeClock, startTestRuntime } from "../helpers/test_runtime.ts";

/** Where `needle` occurs in `haystack`, or -1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  outer: for (
    let i = haystack.indexOf(first!);
    i !== -1 && i <= haystack.length - needle.length;
    i = haystack.indexOf(first!, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

Deno.test("a provider key (canary) appears in no response, log line, database or WAL byte", async () => {
  const clock = new FakeClock();
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-canary-test-" });
  try {
    const canary = `sk-canary-${crypto.randomUUID().replaceAll("-", "")}`;
    const canary2 = `sk-canary-${crypto.randomUUID().replaceAll("-", "")}`;
    // The hint shows a few chars at the ends; the middle must never appear.
    const secrets = [canary, canary2, canary.slice(10, -4), canary2.slice(10, -4)];

    const rt = await startTestRuntime({ dataDir: dir, now: clock.now });
    const texts: string[] = [];
    const call = async (method: string, path: string, body?: unknown, expect?: number) => {
      const res = await rt.admin(method, path, body);
      const text = await res.text();
      if (expect !== undefined) assert.equal(res.status, expect, `${method} ${path}: ${text}`);
      texts.push(`${method} ${path} ${res.status} ${[...res.headers].join(" ")}\n${text}`);
      return text;
    };

    const base = { name: "Canary", base_url: "https://api.example.com/v1", models: ["gpt-4o"] };
    await call("POST", "/api/backends", { ...base, id: "b1", api_key: canary }, 201);
    await call("POST", "/api/backends", {
      ...base,
      id: "b2",
      api_key: "sk-placeholder-0000000000000000",
    }, 201);
    await call("PATCH", "/api/backends/b2", { api_key: canary2 }, 200);
    await call("PATCH", "/api/backends/b1", { weight: 2 }, 200);

    // Error paths that carry the key in the request.
    await call(
      "POST",
      "/api/backends",
      { ...base, id: "b3", api_key: canary, base_url: "ftp://x" },
      400,
    );
    await call(
      "POST",
      "/api/backends",
      { ...base, id: "b3", api_key: canary, pool_id: "nope" },
      400,
    );
    await call("POST", "/api/backends", { ...base, id: "b1", api_key: canary }, 409);
    await call("POST", "/api/backends", { ...base, id: "b3", api_key: canary, extra: canary }, 400);
    await call(
      "POST",
      "/api/backends",
      { ...base, id: "b3", api_key: canary, weight: canary },
      400,
    );
    await call("POST", "/api/backends", { ...base, api_key: [canary] }, 400);
    await call("PATCH", "/api/backends/b1", { api_key: canary, models: [] }, 400);
    await call("POST", "/api/backends", `{"api_key":"${canary}",`, 400);
    await call("PATCH", "/api/config", { max_attempts: canary }, 400);
    const unauth = await rt.app.request("/api/backends", {
      headers: { authorization: `Bearer ${canary}` },
    });
    assert.equal(unauth.status, 401);
    texts.push(await unauth.text());

    // Live state, events and a request record for the backend.
    rt.deps.registry.report("b1", { kind: "rate_limited" }, clock.now());
    rt.deps.registry.report("b2", { kind: "auth" }, clock.now());
    await call("POST", "/api/backends/b2/clear-cooldown", undefined, 200);
    rt.deps.store.writes.enqueue(() =>
      rt.deps.store.requests.insert(requestEntry({ id: "r1", ts: clock.now() - 1000 }))
    );
    await call("POST", "/api/keys", { name: "client" }, 201);

    // Every admin GET route.
    const healthz = await rt.app.request("/healthz");
    texts.push(await healthz.text());
    for (
      const path of [
        "/api/pools",
        "/api/pools/primary",
        "/api/backends",
        "/api/backends/b1",
        "/api/backends/b2",
        "/api/config",
        "/api/keys",
        "/api/status",
        "/api/usage?group_by=backend",
        "/api/usage?group_by=model",
        "/api/usage?group_by=pool",
        "/api/usage?group_by=key",
        "/api/usage?group_by=hour",
        "/api/usage?group_by=minute",
        "/api/requests",
        "/api/cooldowns",
        "/api/cooldowns?backend_id=b1",
      ]
    ) {
      await call("GET", path, undefined, 200);
    }
    // The hint is there, so the responses really are about these backends.
    assert.ok(texts.some((t) => t.includes(`"api_key_hint":"sk-…${canary.slice(-4)}"`)));
    assert.ok(texts.some((t) => t.includes(`"api_key_hint":"sk-…${canary2.slice(-4)}"`)));
    // And the routing table does hold the key, in memory only.
    assert.equal(rt.deps.registry.get("b1")?.api_key, canary);

    for (const secret of secrets) {
      for (const text of texts) {
        assert.ok(!text.includes(secret), `response leaks the key:\n${text}`);
      }
      for (const line of rt.logLines) {
        assert.ok(!line.includes(secret), `log leaks the key:\n${line}`);
      }
    }

    rt.deps.store.flush();
    const dbPath = `${dir}/sidecar.db`;
    const files = [dbPath, `${dbPath}-wal`];
    assert.ok(Deno.statSync(`${dbPath}-wal`).size > 0, "the WAL holds the recent writes");
    const scan = async () => {
      for (const path of files) {
        let bytes: Uint8Array;
        try {
          bytes = await Deno.readFile(path);
        } catch (err) {
          if (err instanceof Deno.errors.NotFound) continue;
          throw err;
        }
        for (const secret of secrets) {
          assert.equal(
            indexOfBytes(bytes, new TextEncoder().encode(secret)),
            -1,
            `${path} holds the key`,
          );
        }
      }
    };
    await scan();
    // Sanity: the scanner does find plaintext that is really stored.
    const dbBytes = await Deno.readFile(dbPath);
    const walBytes = await Deno.readFile(`${dbPath}-wal`);
    const hint = new TextEncoder().encode(`sk-…${canary.slice(-4)}`);
    assert.ok(indexOfBytes(dbBytes, hint) !== -1 || indexOfBytes(walBytes, hint) !== -1);

    // After a clean close the WAL is checkpointed into the main file: scan again.
    await rt.close();
    await scan();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
