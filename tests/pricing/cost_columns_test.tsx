/**
 * @module cost_columns_test
 * Cost on the dashboard: the cost cell, the usage page's Cost column and
 * total, and the requests page's Cost column, with "unpriced" and
 * "estimated" shown where they apply; formatUsd().
 */
import assert from "node:assert/strict";
import { CostCell } from "../../views/cost_cell.tsx";
import { formatUsd } from "../../views/format.ts";
import { signIn } from "../http/pages_client.ts";
import { requestEntry } from "../helpers/request_entry.ts";
import { FakeClock, startTestRuntime } from "../helpers/test_runtime.ts";

Deno.test("formatUsd() reads dollars, cents and fractions of a cent", () => {
  const cases: [number | null, string][] = [
    [null, "—"],
    [0, "$0"],
    [0.00002, "$0.00002"],
    [0.0000123456, "$0.0000123"],
    [0.0412, "$0.0412"],
    [12.345, "$12.35"],
    [1234.5, "$1,234.50"],
  ];
  for (const [usd, text] of cases) assert.equal(formatUsd(usd), text, String(usd));
});

Deno.test("CostCell: dollars; unpriced as a badge when nothing is priced, as a note beside a partial sum", () => {
  assert.match(
    String(<CostCell usd={0.0412} unpriced={0} />),
    /^<td class="num" data-cost="0.0412">\$0.0412<\/td>$/,
  );
  assert.match(
    String(<CostCell usd={null} unpriced={3} />),
    /<span class="badge plain warn">unpriced<\/span>/,
  );
  assert.match(
    String(<CostCell usd={0.5} unpriced={2} />),
    /\$0.5000<span class="sub"[^>]*>2 unpriced</,
  );
  assert.match(String(<CostCell usd={0.5} unpriced={1} single />), />\+ unpriced</);
  assert.match(String(<CostCell usd={0.001} unpriced={0} estimated />), />estimated</);
  // A record from before costs: nothing to say.
  assert.match(
    String(<CostCell usd={null} unpriced={0} />),
    /^<td class="num" data-cost="">—<\/td>$/,
  );
});

Deno.test("/usage and /requests show each row's cost, the total, and what is unpriced or estimated", async () => {
  const clock = new FakeClock();
  await using rt = await startTestRuntime({ now: clock.now });
  const client = await signIn(rt);
  const now = clock.now();
  rt.deps.store.requests.insert(requestEntry({ id: "r1", ts: now - 2000, cost_usd: 0.25 }));
  rt.deps.store.requests.insert(
    requestEntry({ id: "r2", ts: now - 1000, cost_usd: 0.5, usage_estimated: true }),
  );
  rt.deps.store.requests.insert(
    requestEntry({ id: "r3", ts: now - 500, model: "llama", cost_usd: null, unpriced: true }),
  );

  const usage = await (await client.get("/usage?group=model")).text();
  assert.match(usage, /<th class="num">Cost<\/th>/);
  assert.match(usage, /<tr data-group="gpt-4o">[\s\S]*?data-cost="0.75">\$0.7500</);
  assert.match(usage, /<tr data-group="llama">[\s\S]*?<span class="badge plain warn">unpriced</);
  assert.match(usage, /<strong>\$0.7500<\/strong> \(1 request unpriced\)/);

  const requests = await (await client.get("/requests")).text();
  assert.match(requests, /<th class="num">Cost<\/th>/);
  assert.match(requests, /<tr data-request="r1">[\s\S]*?data-cost="0.25">\$0.2500</);
  assert.match(
    requests,
    /<tr data-request="r2">[\s\S]*?data-cost="0.5">\$0.5000<span[^>]*>estimated</,
  );
  assert.match(requests, /<tr data-request="r3">[\s\S]*?badge plain warn">unpriced</);
});
