/**
 * @module The runtime's own floor: a bare `Deno.serve` + `fetch` passthrough
 * in a few lines. Whatever Sidecar adds is measured against this.
 *
 * Run: `deno run --allow-net bench/passthrough.ts http://127.0.0.1:MOCKPORT`
 */

const upstream = Deno.args[0]?.replace(/\/+$/, "") ?? "";
if (!upstream) throw new Error("Usage: passthrough.ts <upstream base URL>");

Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`passthrough listening on http://127.0.0.1:${port}`),
}, (req) => {
  const url = new URL(req.url);
  return fetch(upstream + url.pathname + url.search, {
    method: req.method,
    headers: req.headers,
    body: req.body,
  });
});
