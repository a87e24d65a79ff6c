/**
 * @module key_spend_test
 * A key's spend against its budget: the bar's widths (spent, then reserved,
 * never past the end), the figures and the period beside it, over budget in
 * the warning colour, and `no budget`.
 */
import assert from "node:assert/strict";
import type { ClientKeyView } from "../../src/admin/client_keys.ts";
import { DEFAULT_POLICY } from "../../src/keys/key_policy.ts";
import { barWidths, KeySpend, periodText } from "../../views/key_spend.tsx";

const KEY: ClientKeyView = {
  ...DEFAULT_POLICY,
  id: "key_1",
  name: "app",
  key_hint: "sk-…abcd",
  managed: null,
  created_at: "2026-10-02T08:00:00Z",
  last_used_at: null,
  spend_usd: 12.5,
  reserved_usd: 2.5,
  period_start: "2026-11-01T00:00:00Z",
  budget_usd: 50,
  budget_period: "month",
};

const render = (k: Partial<ClientKeyView>) => String(<KeySpend k={{ ...KEY, ...k }} />);

Deno.test("barWidths: spent then reserved, in proportion to the budget, never past the bar", () => {
  const cases: [number, number, number, { spent: number; reserved: number }][] = [
    [12.5, 2.5, 50, { spent: 22.5, reserved: 4.5 }],
    [0, 0, 50, { spent: 0, reserved: 0 }],
    [0, 10, 50, { spent: 0, reserved: 18 }],
    [0.001, 0, 50, { spent: 1, reserved: 0 }], // a sliver stays visible
    [45, 10, 50, { spent: 81, reserved: 9 }], // reserved cut at the end
    [80, 5, 50, { spent: 90, reserved: 0 }], // over budget: full
    [0, 0, 0, { spent: 0, reserved: 0 }],
    [0.5, 0, 0, { spent: 90, reserved: 0 }], // a budget of 0 with spend is spent
  ];
  for (const [spent, reserved, budget, want] of cases) {
    assert.deepEqual(barWidths(spent, reserved, budget), want, `${spent}+${reserved} of ${budget}`);
  }
});

Deno.test("KeySpend shows spend of budget, the period and its start, and what is reserved", () => {
  const html = render({});
  assert.match(html, /data-spend="12.5" data-reserved="2.5" data-budget="50"/);
  assert.match(html, /25%<svg/);
  assert.match(html, /<rect class="fill" width="22.5" height="8" rx="4"><\/rect>/);
  assert.match(html, /<rect class="s1" x="22.5" width="4.5" height="8" rx="4"><\/rect>/);
  assert.match(html, /\$12\.50 of \$50\.00</);
  assert.match(html, /title="2026-11-01 00:00:00 UTC">this month, since 2026-11-01</);
  assert.match(html, /\$2\.50 reserved now/);
  assert.doesNotMatch(html, /style=/, "no inline styles (CSP)");
});

Deno.test("KeySpend: over budget in the warning colour; nothing reserved says nothing; no budget", () => {
  const over = render({ spend_usd: 50, reserved_usd: 0 });
  assert.match(over, /<rect class="s3" width="90"/);
  assert.match(over, /\$50\.00 of \$50\.00 · spent/);
  assert.doesNotMatch(over, /reserved now|class="s1"/);
  assert.equal(
    render({ budget_usd: null, budget_period: null }),
    '<span class="sub">no budget</span>',
  );
});

Deno.test("periodText names each period with the day it began", () => {
  const at = (budget_period: ClientKeyView["budget_period"], period_start: string) =>
    periodText({ ...KEY, budget_period, period_start });
  assert.equal(at("day", "2026-11-27T00:00:00Z"), "today (UTC), since 2026-11-27");
  assert.equal(at("week", "2026-11-23T00:00:00Z"), "this week, since Monday 2026-11-23");
  assert.equal(at("month", "2026-11-01T00:00:00Z"), "this month, since 2026-11-01");
  assert.equal(at("total", "2026-10-02T08:00:00Z"), "in total, since 2026-10-02");
});
