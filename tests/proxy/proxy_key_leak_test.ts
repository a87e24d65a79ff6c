/**
 * @module proxy_key_leak_test
 * A backend's own key never comes back through a careless upstream: not in
 * an error body, a forwarded header, a mid-stream error event, an echoed
 * success body, the request records, the log or the SQLite files.
 */
import assert from "node:assert/strict";
import { chat, startProxy } from "./proxy_harness.ts";

const KEY = "sk-live-0123456789abcdefghijklmnopqrstuvwxyzf3a9";

async function fileHas(path: string, needle: string): Promise<boolean> {
  const bytes = await Deno.readFile(path).catch(() => new Uint8Array());
  return new TextDecoder("latin1").decode(bytes).includes(needle);
}

Deno.test("an upstream quoting the backend's key is scrubbed to its hint everywhere", async () => {
  await using p = await startProxy({ backends: [{ id: "b1", api_key: KEY }] });
  const seen: string[] = [];
  const collect = async (res: Response) => {
    seen.push(JSON.stringify([...res.headers]), await res.text());
    return res;
  };

  p.mock("b1").script({ kind: "echo_auth", status: 400 });
  const bad = await collect(await p.post("/chat/completions", chat()));
  assert.equal(bad.status, 400);
  assert.match(seen.at(-1)!, /sk-…f3a9/);
  assert.equal(bad.headers.get("x-upstream-request-id"), "Bearer sk-...f3a9");

  p.mock("b1").script({ kind: "echo_auth", status: 422 });
  assert.equal((await collect(await p.post("/chat/completions", chat()))).status, 422);

  p.mock("b1").script({ kind: "stream", echoAuthErrorAfter: 1 });
  const cut = await collect(await p.post("/chat/completions", chat({ stream: true })));
  assert.match(seen.at(-1)!, /upstream_stream_truncated/);
  assert.match(seen.at(-1)!, /sk-…f3a9/);

  // An echo server can put the key in a success body too.
  p.mock("b1").script({ kind: "ok", content: `you sent ${KEY}` });
  const echoed = await collect(await p.post("/chat/completions", chat()));
  assert.equal(echoed.status, 200);
  p.mock("b1").script({ kind: "stream", chunks: ["you sent ", KEY] });
  await collect(await p.post("/chat/completions", chat({ stream: true })));

  for (const text of seen) assert.ok(!text.includes(KEY), `the key reached the client: ${text}`);
  const records = await p.records();
  assert.equal(records.length, 5);
  assert.ok(records.some((r) => r.error?.includes("sk-…f3a9")), "the error text is kept");
  assert.ok(!JSON.stringify(records).includes(KEY), "the key is in /api/requests");
  const api = await (await p.rt.admin("GET", "/api/requests?limit=100")).text();
  assert.ok(!api.includes(KEY));
  assert.ok(!p.rt.logLines.join("\n").includes(KEY), "the key is in the log");
  for (const file of ["sidecar.db", "sidecar.db-wal"]) {
    assert.ok(!(await fileHas(`${p.rt.dataDir}/${file}`, KEY)), `the key is in ${file}`);
  }
  assert.ok(cut.status === 200);
});
