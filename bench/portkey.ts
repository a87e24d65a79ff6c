/**
 * @module The peer gateway: Portkey's `@portkey-ai/gateway` from npm, run
 * with Node and pointed at the mock through its `x-portkey-provider` and
 * `x-portkey-custom-host` headers.
 *
 * Two things make it usable here. Its streamed answers fail with a 500
 * unless `@hono/node-server` is 1.13.8 (pinned by `overrides` in
 * bench/portkey_package.json). Its start script listens on every interface
 * with no option to change that, so `portkey_loopback.mjs` is preloaded to bind it
 * to 127.0.0.1 and report the port it got.
 */

import { spawnChild } from "./child.ts";
import { MOCK_API_KEY } from "./mock_upstream.ts";
import { CHAT_PATH, type Target } from "./target.ts";

const benchDir = new URL(".", import.meta.url).pathname;
const manifest = `${benchDir}portkey_package.json`;
/** Inside bench/node_modules (gitignored, outside Deno's fmt/lint/check). */
const installDir = `${benchDir}node_modules/.portkey/`;
const gatewayDir = `${installDir}node_modules/@portkey-ai/gateway/`;
const nodeServerPkg = `${installDir}node_modules/@hono/node-server/package.json`;

/** The pinned versions, as bench/portkey_package.json states them. */
export async function pinnedVersions(): Promise<{ gateway: string; nodeServer: string }> {
  const pkg = JSON.parse(await Deno.readTextFile(manifest));
  return {
    gateway: pkg.dependencies["@portkey-ai/gateway"],
    nodeServer: pkg.overrides["@hono/node-server"],
  };
}

/** The installed version of the package whose package.json is at `path`, or null. */
export async function installedVersion(path: string): Promise<string | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)).version ?? null;
  } catch {
    return null;
  }
}

/** Installed versions of the gateway and of its HTTP server adapter. */
export async function installedVersions(): Promise<
  { gateway: string | null; nodeServer: string | null }
> {
  return {
    gateway: await installedVersion(`${gatewayDir}package.json`),
    nodeServer: await installedVersion(nodeServerPkg),
  };
}

/** Installs the pinned gateway (npm) when it is missing or stale. */
export async function ensurePortkeyInstalled(log: (msg: string) => void = () => {}): Promise<void> {
  const want = await pinnedVersions();
  const have = await installedVersions();
  if (have.gateway === want.gateway && have.nodeServer === want.nodeServer) return;
  log(`installing @portkey-ai/gateway@${want.gateway} into ${installDir} (npm)`);
  await Deno.mkdir(installDir, { recursive: true });
  await Deno.copyFile(manifest, `${installDir}package.json`);
  // Its only install script is patch-package, with no patches shipped: nothing to run.
  const out = await new Deno.Command("npm", {
    args: ["install", "--prefix", installDir, "--no-audit", "--no-fund", "--ignore-scripts"],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(300_000),
  }).output();
  if (out.code !== 0) {
    throw new Error(`npm install failed: ${new TextDecoder().decode(out.stderr).slice(-2000)}`);
  }
  const nodeServer = await installedVersion(nodeServerPkg);
  if (nodeServer !== want.nodeServer) {
    throw new Error(`@hono/node-server is "${nodeServer}" after install, not "${want.nodeServer}"`);
  }
}

/** Starts Portkey's gateway on 127.0.0.1 (a free port) with Node. */
export async function startPortkey(mockUrl: string): Promise<Target> {
  const child = await spawnChild({
    name: "portkey gateway",
    cmd: "node",
    args: [
      "--import",
      `${benchDir}portkey_loopback.mjs`,
      `${gatewayDir}build/start-server.js`,
      "--port=0",
      "--headless",
    ],
    ready: /PORTKEY_BENCH_LISTENING (http:\/\/\S+)/,
    timeoutMs: 30000,
  });
  return {
    id: "portkey",
    label: "Portkey gateway (Node)",
    url: child.url + CHAT_PATH,
    headers: {
      authorization: `Bearer ${MOCK_API_KEY}`,
      "x-portkey-provider": "openai",
      "x-portkey-custom-host": `${mockUrl}/v1`,
    },
    pid: child.pid,
    command: child.command,
    stop: () => child.stop(),
  };
}
