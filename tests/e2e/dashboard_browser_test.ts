/**
 * @module dashboard_browser_test
 * The dashboard in a real headless Chromium (Debian's `/usr/bin/chromium`,
 * driven by playwright-core; no browser is ever downloaded) against the real
 * server on a free port: sign in, create a pool, a client key (with a model
 * allowlist and a budget, then rotated) and a backend through the forms,
 * edit the backend, cool it with a 429 from a mock
 * upstream through the proxy and watch the status and countdown change
 * without a reload, read the usage charts, pause and resume a backend, delete
 * the backend. Takes the
 * screenshots the README shows: into docs/ (docs/overview.png,
 * docs/backends.png) when SIDECAR_UPDATE_SCREENSHOTS=1, else into a temp
 * dir, so a test run leaves the working tree as it was.
 *
 * The scenario runs in a child `deno run -A` of this file: playwright-core
 * probes `/proc/sys/...` when it loads, which Deno allows only with
 * `--allow-all`, while `deno task test` grants narrower flags (including
 * `--allow-run`, which is enough to start the child).
 */
import assert from "node:assert/strict";
import type { Browser, Page } from "npm:playwright-core@1.65.1";
import { type MockUpstream, startMockUpstream } from "../helpers/mock_upstream.ts";
import { ADMIN_TOKEN, startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";

const CHROMIUM = "/usr/bin/chromium";
const UPSTREAM_KEY = "sk-proj-e2e-secret-7f3a9c41";
let shots: string | undefined;
const docPath = (name: string) => {
  shots ??= Deno.env.get("SIDECAR_UPDATE_SCREENSHOTS") === "1"
    ? decodeURIComponent(new URL("../../docs/", import.meta.url).pathname)
    : Deno.makeTempDirSync({ prefix: "sidecar-screenshots-" }) + "/";
  return shots + name;
};

function requireChromium(): void {
  try {
    Deno.statSync(CHROMIUM);
  } catch {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install Debian's package ` +
        "(apt-get install chromium); this test never downloads a browser.",
    );
  }
}

/** Launches Chromium with nothing that phones home. */
async function launch(): Promise<Browser> {
  const { chromium } = await import("npm:playwright-core@1.65.1");
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** Sends one chat completion through the proxy. */
async function chat(base: string, key: string): Promise<Response> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
  });
  await res.body?.cancel();
  return res;
}

/**
 * An hour of earlier traffic, so the screenshots show charts a reader can
 * judge; the live requests of the test come on top of it.
 */
function seedHistory(rt: TestRuntime, keyId: string): void {
  const now = rt.deps.now();
  let n = 0;
  for (let m = 59; m >= 1; m--) {
    const wave = Math.round(6 + 4 * Math.sin(m / 6) + (m % 7 === 0 ? 5 : 0));
    for (let i = 0; i < wave + 3; i++) {
      const onB = i < 3 || (m > 20 && m < 28);
      const failed = onB && m % 11 === 0 && i === 0;
      const prompt = 180 + ((m * 37 + i * 53) % 400);
      const completion = 60 + ((m * 17 + i * 29) % 220);
      rt.deps.store.requests.insert({
        id: `seed_${++n}`,
        ts: now - m * 60_000 + i * 1000,
        model: i % 3 === 0 ? "gpt-4o" : "gpt-test",
        upstream_model: "gpt-test",
        backend_id: onB ? "mock-b" : "mock-a",
        pool_id: onB ? "fallback" : "night-shift",
        key_id: i % 4 === 0 ? null : keyId,
        api: "openai",
        status: failed ? 502 : 200,
        outcome: failed ? "upstream_error" : "ok",
        stream: i % 2 === 0,
        attempts: [{
          backend_id: onB ? "mock-b" : "mock-a",
          status: failed ? 502 : 200,
          reason: failed ? "upstream_5xx" : "ok",
          ms: 300,
        }],
        latency_ms: 250 + ((m * 97 + i * 61) % 900),
        ttfb_ms: 120,
        prompt_tokens: failed ? 0 : prompt,
        completion_tokens: failed ? 0 : completion,
        total_tokens: failed ? 0 : prompt + completion,
        cost_usd: failed ? 0 : (prompt * 2.5 + completion * 10) / 1e6,
        unpriced: false,
        usage_estimated: false,
        error: failed ? "Upstream answered 502" : null,
      });
    }
  }
}

/** Follows a navigation link and waits until htmx has set the new page up. */
async function open(page: Page, label: string, path: string): Promise<void> {
  await page.click(`nav >> text=${label}`);
  await page.waitForURL((url) => url.pathname === path);
  await page.waitForLoadState("load");
}

async function countdownSeconds(page: Page, backendId: string): Promise<number> {
  const text = await page.textContent(
    `#status-table tr[data-backend="${backendId}"] .countdown`,
  );
  const m = /^(?:(\d+)m )?(\d+)s$/.exec(text ?? "");
  assert.ok(m, `a countdown like "27s", got ${text}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2]);
}

/** The whole browser scenario; throws on the first failed expectation. */
async function scenario(): Promise<void> {
  requireChromium();
  const rt = await startTestRuntime();
  const mockA: MockUpstream = await startMockUpstream({ name: "a" });
  const mockB: MockUpstream = await startMockUpstream({ name: "b" });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, rt.app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const started = performance.now();
  const step = (name: string) =>
    console.log(`${((performance.now() - started) / 1000).toFixed(1)}s ${name}`);
  const browser = await launch();
  step("browser up");
  const problems: string[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      // The wrong sign-in (401) and the refused form (422) are on purpose.
      const expected = /Failed to load resource: .* status of (401|422)/.test(m.text());
      if (m.type() === "error" && !expected) problems.push(`console: ${m.text()}`);
    });
    // Nothing may be fetched from anywhere but Sidecar itself.
    await context.route(
      (url) => url.origin !== base,
      (route) => {
        problems.push(`external request: ${route.request().url()}`);
        return route.abort();
      },
    );

    // Sign in: every page sends us to /login first.
    await page.goto(`${base}/backends`);
    assert.equal(new URL(page.url()).pathname, "/login");
    await page.fill("#f-token", "wrong-token");
    await page.click("button[type=submit]");
    await page.waitForSelector("text=That is not the admin token");
    await page.fill("#f-token", ADMIN_TOKEN);
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/backends`);
    const cookie = (await context.cookies()).find((c) => c.name === "sidecar_session");
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, "Strict");
    step("signed in");

    // A pool, through its form.
    await open(page, "Pools", "/pools");
    await page.fill("#f-name", "Night shift");
    await page.fill("#f-priority", "10");
    await page.click("text=Create pool");
    await page.waitForSelector('tr[data-pool="night-shift"]');
    assert.match(await page.textContent("#flash") ?? "", /Pool "Night shift" created/);
    step("pool");

    // A client key with a model allowlist and a budget: its secret shown once.
    await open(page, "Keys", "/keys");
    await page.fill("#f-name", "e2e-client");
    await page.fill("#f-models", "gpt-test\ngpt-4o*");
    await page.fill("#f-budget_usd", "25");
    await page.selectOption("#f-budget_period", "month");
    await page.click("text=Create client key");
    const firstKey = await page.inputValue("#key-secret #new-key");
    assert.match(firstKey, /^sk-sc-/);
    const keyRow = `#keys-table tr[data-key="${rt.deps.store.keys.list()[0]!.id}"]`;
    await page.waitForSelector(`${keyRow} >> text=$0 of $25.00`);
    assert.match(await page.textContent(`${keyRow} .chips`) ?? "", /gpt-test.*gpt-4o\*/);
    assert.match(await page.textContent(keyRow) ?? "", /this month, since/);
    step("key");

    // Rotate it (after confirming): a new secret, shown once; the old one is refused.
    let rotateAsked = "";
    page.once("dialog", (d) => {
      rotateAsked = d.message();
      return d.accept();
    });
    await page.click(`${keyRow} >> button:text-is("Rotate")`);
    await page.waitForSelector("#key-secret >> text=rotated");
    assert.match(rotateAsked, /Rotate key "e2e-client"\?/);
    const clientKey = await page.inputValue("#key-secret #new-key");
    assert.match(clientKey, /^sk-sc-/);
    assert.notEqual(clientKey, firstKey);
    assert.match(await page.textContent(keyRow) ?? "", new RegExp(`sk-…${clientKey.slice(-4)}`));
    assert.equal((await chat(base, firstKey)).status, 401);
    await page.reload();
    assert.equal(await page.locator("#new-key").count(), 0, "not shown again");
    assert.ok(!(await page.content()).includes(clientKey));
    step("key rotated");

    // A backend: first a mistake, shown at its field with the input kept.
    await open(page, "Backends", "/backends");
    await page.fill("#f-name", "Mock A");
    await page.fill("#f-base_url", "not a url");
    await page.fill("#f-api_key", UPSTREAM_KEY);
    await page.selectOption("#f-pool_id", "night-shift");
    await page.fill("#f-models", "gpt-test\ngpt-4o*");
    await page.fill("#f-model_map", "gpt-4o = gpt-test");
    await page.fill("#f-rpm_limit", "600");
    await page.click("text=Create backend");
    await page.waitForSelector("#f-base_url-error");
    assert.match(await page.textContent("#f-base_url-error") ?? "", /http\(s\) URL/);
    assert.equal(await page.inputValue("#f-name"), "Mock A");
    assert.equal(await page.inputValue("#f-models"), "gpt-test\ngpt-4o*");
    assert.equal(await page.inputValue("#f-pool_id"), "night-shift");
    assert.equal(await page.inputValue("#f-api_key"), "", "the key is never sent back");
    await page.fill("#f-base_url", mockA.url);
    await page.fill("#f-api_key", UPSTREAM_KEY);
    await page.fill("#f-id", "mock-a");
    await page.click("text=Create backend");
    const rowA = 'tr[data-backend="mock-a"]';
    await page.waitForSelector(rowA);
    assert.match(await page.textContent(rowA) ?? "", /sk-…9c41/);
    assert.ok(!(await page.content()).includes(UPSTREAM_KEY), "the key is not on the page");
    step("backend created");

    // Edit it: the key field is empty, the hint is the placeholder.
    await page.click(`${rowA} >> text=Edit`);
    await page.waitForSelector("text=Edit backend");
    assert.equal(new URL(page.url()).pathname, "/backends/mock-a/edit");
    assert.equal(await page.inputValue("#f-api_key"), "");
    assert.match(await page.getAttribute("#f-api_key", "placeholder") ?? "", /sk-…9c41/);
    assert.equal(await page.inputValue("#f-model_map"), "gpt-4o = gpt-test");
    await page.fill("#f-name", "Mock A (edited)");
    await page.fill("#f-weight", "3");
    await page.click("text=Save changes");
    await page.waitForSelector(`${rowA} >> text=Mock A (edited)`);
    assert.equal(new URL(page.url()).pathname, "/backends");
    assert.match(await page.textContent(rowA) ?? "", /sk-…9c41/, "key kept");
    assert.equal(rt.deps.registry.get("mock-a")?.api_key, UPSTREAM_KEY);
    assert.equal(rt.deps.registry.get("mock-a")?.weight, 3);
    step("edited");

    // A second backend and a hostile name, through the API.
    await rt.admin("POST", "/api/backends", {
      id: "mock-b",
      name: "Mock B",
      base_url: mockB.url,
      api_key: "sk-bbbb-0000-1111",
      pool_id: "fallback",
      models: ["gpt-test", "gpt-4o*"],
      rpm_limit: 900,
    });
    await rt.admin("POST", "/api/backends", {
      id: "evil",
      name: "<script>window.__xss = 1</script>",
      base_url: mockB.url,
      pool_id: "fallback",
      models: ["other"],
      enabled: false,
    });
    await page.reload();
    assert.equal(await page.evaluate(() => "__xss" in globalThis), false);
    assert.match(await page.textContent('tr[data-backend="evil"]') ?? "", /<script>window/);
    await rt.admin("DELETE", "/api/backends/evil");

    // Traffic: history for the charts, then live requests through the proxy.
    const keyId = rt.deps.store.keys.list()[0]!.id;
    seedHistory(rt, keyId);
    for (let i = 0; i < 8; i++) assert.equal((await chat(base, clientKey)).status, 200);
    step("traffic");

    // Overview: Mock A is active; a 429 cools its model (the backend stays active for
    // its others) and the table follows, no reload.
    await open(page, "Overview", "/");
    await page.waitForSelector(`#status-table ${rowA} .badge.active`);
    await page.evaluate(() => Object.assign(globalThis, { __sameDocument: true }));
    mockA.script({ kind: "rate_limit", retryAfter: "30" });
    const failover = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${clientKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
    });
    await failover.body?.cancel();
    assert.equal(failover.status, 200);
    assert.equal(failover.headers.get("x-sidecar-backend"), "mock-b");
    await page.waitForSelector(
      `#status-table ${rowA} .model-cooldowns [data-model="gpt-test"] .countdown`,
      { timeout: 8000 },
    );
    assert.equal(await page.locator(`#status-table ${rowA} .badge.active`).count(), 1);
    const first = await countdownSeconds(page, "mock-a");
    assert.ok(first > 20 && first <= 30, `about 30 s left, got ${first}`);
    await page.waitForTimeout(2200);
    const later = await countdownSeconds(page, "mock-a");
    assert.ok(later < first, `the countdown ticks: ${first} then ${later}`);
    const counters = await page.$$eval(
      `#status-table ${rowA} td.num`,
      (tds) => tds.map((td) => td.textContent),
    );
    assert.equal(counters[0], "1", "one 429 in a row");
    assert.match(counters[2] ?? "", /^\d+ \/ 600$/, "rpm tokens left of the limit");
    assert.equal(await page.evaluate(() => "__sameDocument" in globalThis), true, "no reload");
    await page.screenshot({ path: docPath("overview.png"), fullPage: true });
    step("cooled");

    // Usage: a chart with data, regrouped in place.
    await open(page, "Usage", "/usage");
    await page.selectOption("#f-range", "1h");
    await page.waitForSelector("#usage-report >> text=1 min per bar");
    await page.selectOption("#f-group", "backend");
    await page.waitForSelector("#usage-report >> text=Requests by backend");
    assert.ok(await page.locator("#usage-report svg.chart rect.bar").count() > 50);
    assert.match(await page.textContent("#usage-report .legend") ?? "", /Mock A \(edited\)/);
    assert.match(page.url(), /group=backend/, "the choice is in the URL");
    step("usage");

    // The backends page while Mock A's model cools, then delete it (after confirming).
    await open(page, "Backends", "/backends");
    await page.waitForSelector(`${rowA} .model-cooldowns [data-model="gpt-test"]`);
    await page.screenshot({ path: docPath("backends.png"), fullPage: true });

    // Pause Mock B (after confirming): it reads paused until cleared, and Resume
    // brings it back, each redrawn in place.
    const rowB = 'tr[data-backend="mock-b"]';
    await page.evaluate(() => Object.assign(globalThis, { __backendsPage: true }));
    let asked = "";
    page.once("dialog", (d) => {
      asked = d.message();
      return d.accept();
    });
    await page.click(`${rowB} >> button:text-is("Pause")`);
    await page.waitForSelector(`${rowB} >> text=paused — until cleared`);
    assert.match(asked, /Pause backend "Mock B"\?/);
    assert.equal(await page.locator(`${rowB} .countdown`).count(), 0, "no countdown");
    const paused = () =>
      rt.deps.registry.status(rt.deps.now()).find((s) => s.backend_id === "mock-b");
    assert.equal(paused()?.paused, true);
    await page.click(`${rowB} >> button:text-is("Resume")`);
    await page.waitForSelector(`${rowB} .badge.active`);
    assert.equal(await page.locator(`${rowB} >> text=paused — until cleared`).count(), 0);
    assert.equal(paused()?.paused, false);
    assert.equal(await page.evaluate(() => "__backendsPage" in globalThis), true, "no reload");
    step("paused and resumed");

    page.once("dialog", (d) => {
      asked = d.message();
      return d.accept();
    });
    await page.click(`${rowA} >> text=Delete`);
    await page.waitForSelector(rowA, { state: "detached" });
    assert.match(asked, /Delete backend "Mock A \(edited\)"\?/);
    assert.equal(rt.deps.store.backends.get("mock-a"), undefined);
    assert.match(await page.textContent("#flash") ?? "", /deleted/);
    step("deleted");

    assert.deepEqual(problems, [], "no script errors, CSP violations or outside requests");
  } finally {
    await browser.close();
    await server.shutdown();
    await mockA.close();
    await mockB.close();
    await rt.close();
  }
}

if (import.meta.main) {
  await scenario();
  // playwright-core can leave handles open after browser.close().
  Deno.exit(0);
}

Deno.test("dashboard in headless Chromium: sign in, manage, watch a cooldown, read usage, pause and resume", async () => {
  requireChromium();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", new URL(import.meta.url).pathname],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, `The browser scenario failed:\n${out}`);
  console.log(out.trim());
});
