/**
 * @module pages_cluster_test
 * The dashboard with shared state (docs/cluster.md, "Dashboard"): the
 * Cluster page (in the navigation only in Redis mode) shows the shared
 * state, the replicas alive with this one marked, where the config comes
 * from, and the cooldowns the cluster holds, its live region alone for htmx;
 * every page carries a banner while the shared state is down; with a config
 * file, the dashboard's create forms are refused, naming the file.
 */
import assert from "node:assert/strict";
import { startConfigFile } from "../../src/config_file/start_config_file.ts";
import { createLogger } from "../../src/log.ts";
import { startRedisState } from "../../src/state/redis_state.ts";
import { freePort, NO_REDIS_SERVER, RedisServer } from "../helpers/redis_server.ts";
import { startTestRuntime, type TestRuntime } from "../helpers/test_runtime.ts";
import { DASHBOARD_PAGES, type PageClient, signIn } from "./pages_client.ts";
import { until } from "../helpers/until.ts";

const FILE = `pools:
  - { id: team, priority: 5 }
backends:
  - { id: filed, name: Filed backend, base_url: "http://127.0.0.1:9/v1", models: ["*"], pool_id: team }
`;

const DOWN_BANNER =
  /Shared state down: serving on this replica&#39;s own state; limits divided by\s+1 replica\./;
const CLUSTER_NAV = /<a href="\/cluster"[^>]*>Cluster<\/a>/;

/** A signed-in runtime in Redis mode at `url`, with the file applied when `file` is set. */
async function clustered(url: string, file?: string) {
  const rt = await startTestRuntime({ settings: { redisUrl: url, redisPrefix: "t:" } });
  let path: string | undefined;
  if (file !== undefined) {
    path = `${rt.dataDir}/sidecar.yaml`;
    await Deno.writeTextFile(path, file);
    (await startConfigFile(rt.deps, path, { env: () => undefined }))?.close();
  }
  const client = await signIn(rt);
  return { rt, client, path, [Symbol.asyncDispose]: () => rt.close() };
}

async function text(client: PageClient, path: string, target?: string): Promise<string> {
  const res = await client.get(path, target ? { target } : {});
  assert.equal(res.status, 200, path);
  return await res.text();
}

function selfId(rt: TestRuntime): Promise<string> {
  return rt.deps.registry.sharedState.replicas().then((list) => list.find((r) => r.self)!.id);
}

Deno.test("in process: no Cluster link, no shared-state banner; /cluster says this Sidecar runs alone", async () => {
  await using rt = await startTestRuntime();
  const client = await signIn(rt);
  for (const path of DASHBOARD_PAGES) {
    const html = await text(client, path);
    assert.doesNotMatch(html, CLUSTER_NAV, path);
    assert.doesNotMatch(html, /Shared state down/, path);
  }
  const html = await text(client, "/cluster");
  assert.match(html, /This Sidecar runs alone: SIDECAR_REDIS_URL is not set/);
  assert.doesNotMatch(html, /id="cluster-view"/);
});

Deno.test({
  name:
    "Cluster page: shared state up, the replicas alive with this one marked, the config file, a live region",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    await using t = await clustered(server.url, FILE);
    const other = await startRedisState({
      url: server.url,
      prefix: "t:",
      log: createLogger("error", () => {}),
      version: "0.0.1-other",
      host: "box-2",
      replicaId: "other",
    });
    try {
      for (const path of [...DASHBOARD_PAGES, "/cluster"]) {
        const html = await text(t.client, path);
        assert.match(html, CLUSTER_NAV, path);
        assert.doesNotMatch(html, /Shared state down/, path);
      }
      const me = await selfId(t.rt);
      // The runtime's own count may be a second old: wait for one that sees both.
      let html = "";
      await until("the cluster page to list both replicas", async () => {
        html = await text(t.client, "/cluster");
        return html.includes('data-replica="other"');
      });
      assert.match(html, /<a href="\/cluster" aria-current="page">Cluster<\/a>/);
      assert.match(html, /<span class="badge ok">up<\/span>/);
      assert.match(html, /2 replicas\s*alive/);
      const row = (id: string) =>
        new RegExp(`<tr data-replica="${id}">[\\s\\S]*?</tr>`).exec(html)?.[0];
      assert.match(row(me)!, /this replica/);
      assert.doesNotMatch(row("other")!, /this replica/);
      assert.match(row("other")!, /<td>box-2<\/td>[\s\S]*0\.0\.1-other/);
      assert.match(html, new RegExp(`come from <code>${t.path!.replace(/[.]/g, "\\.")}</code>`));
      assert.doesNotMatch(html, /No config file/);
      assert.match(html, /hx-get="\/cluster" hx-trigger="every 3s" hx-target="this"/);

      const region = await text(t.client, "/cluster", "cluster-view");
      assert.match(region, /^<div id="cluster-view"/);
      assert.doesNotMatch(region, /<html|<nav|Config<\/h2>/);
      assert.match(region, /data-replica="other"/);
    } finally {
      await other.close();
    }
  },
});

Deno.test({
  name: "Cluster page: the cooldowns the cluster holds, a pause on this replica among them",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    await using t = await clustered(server.url, FILE);
    assert.match(await text(t.client, "/cluster"), /Nothing is cooling in the cluster/);
    assert.equal((await t.rt.admin("POST", "/api/backends/filed/pause")).status, 200);
    let region = "";
    await until("the cluster page to show the cooldown", async () => {
      region = await text(t.client, "/cluster", "cluster-view");
      return region.includes('data-backend="filed"');
    });
    const row = /<tr data-backend="filed" data-model="">[\s\S]*?<\/tr>/.exec(region)?.[0];
    assert.ok(row, region);
    assert.match(row, /Filed backend/);
    assert.match(row, /whole backend/);
    assert.match(row, />paused</);
  },
});

Deno.test({
  name:
    "Cluster page with shared state and no config file warns that each replica routes on its own",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    await using t = await clustered(server.url);
    const html = await text(t.client, "/cluster");
    assert.match(html, /No config file: each replica routes on its own SQLite config\./);
    assert.doesNotMatch(html, /Config<\/h2>/);
  },
});

Deno.test("shared state down: a banner on every page (not in htmx regions); the cluster's cooldowns unread", async () => {
  // Nothing listens there: a degraded start, down from the first moment.
  await using t = await clustered(`redis://127.0.0.1:${freePort()}`);
  for (const path of [...DASHBOARD_PAGES, "/cluster", "/backends/nope/edit"]) {
    const res = await t.client.get(path);
    const html = await res.text();
    assert.match(html, DOWN_BANNER, path);
    assert.match(html, CLUSTER_NAV, path);
  }
  const cluster = await text(t.client, "/cluster");
  assert.match(cluster, /<span class="badge error">down<\/span>/);
  assert.match(cluster, /1 replica\s*last seen alive/);
  assert.match(cluster, /The cluster&#39;s cooldowns cannot be read now/);
  for (const [path, target] of [["/cluster", "cluster-view"], ["/", "status-table"]] as const) {
    assert.doesNotMatch(await text(t.client, path, target), /Shared state down/, path);
  }
});

Deno.test({
  name:
    "dashboard with shared state and a file: every create form is refused, naming the file, nothing made",
  ignore: NO_REDIS_SERVER,
  fn: async () => {
    await using server = await RedisServer.start();
    await using t = await clustered(server.url, FILE);
    for (
      const [path, form, target] of [
        ["/pools", { id: "mine", name: "Mine", priority: "20" }, "pools-table"],
        ["/backends", {
          name: "New",
          base_url: "http://127.0.0.1:9/v1",
          models: "*",
          pool_id: "team",
        }, "backends-table"],
        ["/keys", { name: "another" }, "keys-table"],
      ] as const
    ) {
      for (const opts of [{ target }, {}]) {
        const res = await t.client.post(path, form, opts);
        // The form comes back with the refusal as its error, as for any refused form.
        assert.equal(res.status, 422, `${path} ${JSON.stringify(opts)}`);
        assert.match(
          await res.text(),
          /With shared state, every (pool|backend|client key) is managed by .*sidecar\.yaml/,
          path,
        );
      }
    }
    assert.deepEqual(t.rt.deps.store.pools.list().map((p) => p.id), ["team"]);
    assert.deepEqual(t.rt.deps.store.backends.list().map((b) => b.id), ["filed"]);
    assert.deepEqual(t.rt.deps.store.keys.list(), []);
  },
});
