/**
 * @module The CPU cost of Sidecar's own request path, in process: the app's
 * handler serves non-stream chat completions whose upstream answer is built
 * in memory (no sockets, no other process), next to a floor that does only
 * what any gateway must (read and parse the client's body, parse the
 * answer, build the response). Without the network and the other processes
 * of a load test it isolates Sidecar's own code; on this VM it still moves
 * by several µs between runs, so compare a few runs of each version. It is
 * not a throughput figure: `run.ts` is.
 *
 * Run: `deno run -A bench/path_cost.ts [--requests=20000] [--concurrency=32]`
 */

import { startTestRuntime } from "../tests/helpers/test_runtime.ts";

const flag = (name: string, d: number) =>
  Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? d);
const REQUESTS = flag("requests", 20000);
const CONCURRENCY = flag("concurrency", 32);
const RUNS = 5;

const answer = new TextEncoder().encode(JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1,
  model: "bench",
  choices: [{
    index: 0,
    message: { role: "assistant", content: "Hello! How can I help you today?" },
    finish_reason: "stop",
  }],
  usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18 },
}));
const upstream = (() =>
  Promise.resolve(
    new Response(answer, {
      headers: {
        "content-type": "application/json",
        "content-length": String(answer.length),
        "x-request-id": "upstream-1",
      },
    }),
  )) as typeof fetch;
const body = new TextEncoder().encode(JSON.stringify({
  model: "bench",
  messages: [{ role: "user", content: "Say hello." }],
  max_tokens: 16,
}));
const utf8 = new TextDecoder();

const rt = await startTestRuntime({ fetch: upstream, settings: { logLevel: "warn" } });
try {
  const created = await rt.admin("POST", "/api/backends", {
    id: "b1",
    name: "b1",
    base_url: "http://127.0.0.1:9/v1",
    api_key: "sk-upstream",
    models: ["*"],
  });
  if (!created.ok) throw new Error(await created.text());
  const key = (await (await rt.admin("POST", "/api/keys", { name: "bench" })).json()).data.key;
  // The governed key of the sidecar_governed target: every admission check
  // runs (allowlist, rpm token, budget reservation) and a real cost settles.
  const prices = (await (await rt.admin("GET", "/api/prices")).json()).data;
  await rt.admin("PUT", "/api/prices", {
    prices: [...prices, { model: "bench", input_per_mtok: 1, output_per_mtok: 2 }],
  });
  const governedKey = (await (await rt.admin("POST", "/api/keys", {
    name: "governed",
    models: ["bench", "bench-*"],
    rpm_limit: 10_000_000,
    budget_usd: 1_000_000,
    budget_period: "month",
  })).json()).data.key;
  const request = (secret = key) =>
    new Request("http://127.0.0.1/v1/chat/completions", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": String(body.length),
        authorization: `Bearer ${secret}`,
      },
      body,
    });

  const served = (secret: string) => async () => {
    const res = await rt.app.fetch(request(secret));
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.bytes();
  };
  const sidecar = served(key);
  const governed = served(governedKey);
  const floor = async () => {
    const req = request();
    JSON.parse(utf8.decode(await req.bytes()));
    const up = await upstream("");
    const bytes = await up.bytes();
    JSON.parse(utf8.decode(bytes));
    await new Response(bytes, { headers: { "content-type": "application/json" } }).bytes();
  };

  const perRequestUs = async (fn: () => Promise<void>) => {
    let started = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (started++ < REQUESTS) await fn();
      }),
    );
    return (performance.now() - t0) * 1000 / REQUESTS;
  };
  const results: Record<string, number> = {};
  const paths = [["floor", floor], ["sidecar", sidecar], ["governed", governed]] as const;
  for (const [name, fn] of paths) {
    await perRequestUs(fn); // warm-up: JIT and caches
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await perRequestUs(fn));
    runs.sort((a, b) => a - b);
    results[name] = runs[Math.floor(RUNS / 2)]!;
    console.log(
      `${name.padEnd(8)} ${results[name]!.toFixed(1)} µs/request (median of ${RUNS}: ` +
        `${runs.map((r) => r.toFixed(1)).join(" ")})`,
    );
  }
  console.log(
    `Sidecar's own path: +${(results.sidecar! - results.floor!).toFixed(1)} µs/request ` +
      `over the floor (${REQUESTS} requests, ${CONCURRENCY} at a time)`,
  );
  console.log(
    `A governed key (allowlist, rpm, budget, priced): +${
      (results.governed! - results.sidecar!).toFixed(1)
    } µs/request over an ungoverned one`,
  );
} finally {
  rt.deps.store.flush();
  await rt.close();
}
