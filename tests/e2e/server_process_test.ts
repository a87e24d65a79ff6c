/**
 * @module server_process_test
 * The real `sidecar` process: start-up line, generated admin token, HTTP,
 * SIGTERM exit 0, restart on the same data dir, and the start-up failures
 * that must end in a clear message rather than a stack trace.
 */
import assert from "node:assert/strict";
import { newMasterKey } from "../../src/secrets/master_key.ts";
import { startMockUpstream } from "../helpers/mock_upstream.ts";
import {
  runSidecar as runToEnd,
  sidecarCommand as command,
  sidecarEnv as childEnv,
} from "../helpers/sidecar_process.ts";
import { startTestRuntime } from "../helpers/test_runtime.ts";

/** A child that has not printed what we wait for within this is a failure. */
const WAIT_MS = 20_000;

/** A running server whose output is read line by line; always killed on dispose. */
class Server implements AsyncDisposable {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #pumps: Promise<void>[];
  #waiters: (() => void)[] = [];
  #status: Deno.CommandStatus | undefined;
  readonly status: Promise<Deno.CommandStatus>;

  constructor(args: string[], env: Record<string, string>) {
    this.#child = command(args, env).spawn();
    this.#pumps = [
      this.#pump(this.#child.stdout, this.stdout),
      this.#pump(this.#child.stderr, this.stderr),
    ];
    this.status = this.#child.status.then((s) => {
      this.#status = s;
      this.#notify();
      return s;
    });
  }

  async #pump(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      into.push(...parts);
      this.#notify();
    }
    if (rest) into.push(rest);
    this.#notify();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Waits for a line of `lines` matching `re`; fails if the process exits first. */
  async waitFor(lines: string[], re: RegExp): Promise<RegExpMatchArray> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      for (const line of lines) {
        const m = line.match(re);
        if (m) return m;
      }
      if (this.#status) {
        throw new Error(
          `Server exited (${this.#status.code}) before printing ${re}\nstdout:\n${
            this.stdout.join("\n")
          }\nstderr:\n${this.stderr.join("\n")}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`Timed out waiting for ${re}\nstderr:\n${this.stderr.join("\n")}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** Sends SIGTERM and waits for the exit and the end of both streams. */
  async terminate(): Promise<Deno.CommandStatus> {
    this.#child.kill("SIGTERM");
    const status = await this.status;
    await Promise.all(this.#pumps);
    return status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#status) {
      try {
        this.#child.kill("SIGKILL");
      } catch { // already gone
      }
    }
    await this.status;
    await Promise.all(this.#pumps);
  }
}

const LISTENING = /^Sidecar \S+ listening on (http:\/\/127\.0\.0\.1:\d+)$/;
const ADMIN_LINE = /^Admin token \(shown once.*\): (sc-admin-[A-Za-z0-9_-]+)$/;

async function api(base: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

function assertNoStackTrace(stderr: string): void {
  assert.doesNotMatch(stderr, /^\s+at /m, stderr);
  assert.doesNotMatch(stderr, /Uncaught|unexpected error/i, stderr);
}

Deno.test("sidecar serve: prints its URL and a generated admin token, serves, exits 0 on SIGTERM, restarts", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-e2e-" });
  try {
    const args = ["serve", "--port", "0", "--data-dir", dataDir];
    let token: string;
    {
      await using server = new Server(args, childEnv());
      const [, url] = await server.waitFor(server.stdout, LISTENING);
      [, token] = await server.waitFor(server.stderr, ADMIN_LINE) as [string, string];

      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal((await health.json()).status, "ok");

      const created = await api(url!, token, "POST", "/api/backends", {
        id: "b1",
        name: "Upstream",
        base_url: "http://127.0.0.1:9/v1",
        api_key: "sk-e2e-secret-0000000000000000000",
        models: ["gpt-4o"],
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      const list = await api(url!, token, "GET", "/api/backends");
      assert.deepEqual(list.json.data.map((b: { id: string }) => b.id), ["b1"]);
      const denied = await api(url!, "wrong", "GET", "/api/backends");
      assert.equal(denied.status, 401);

      const status = await server.terminate();
      assert.equal(status.code, 0, server.stderr.join("\n"));
      assert.equal(server.stderr.filter((l) => ADMIN_LINE.test(l)).length, 1);
      assert.ok(!server.stdout.join("\n").includes(token), "the token is not logged on stdout");
      assert.ok(
        !server.stdout.join("\n").includes("sk-e2e-secret"),
        "the provider key is not logged",
      );
    }
    assert.equal(Deno.statSync(`${dataDir}/master.key`).mode! & 0o777, 0o600);

    {
      await using server = new Server(args, childEnv());
      const [, url] = await server.waitFor(server.stdout, LISTENING);
      const list = await api(url!, token, "GET", "/api/backends");
      assert.equal(list.status, 200, "the first start's token still works");
      assert.deepEqual(list.json.data.map((b: { id: string }) => b.id), ["b1"]);
      const status = await server.terminate();
      assert.equal(status.code, 0);
      assert.ok(!server.stderr.some((l) => /Admin token/.test(l)), server.stderr.join("\n"));
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("sidecar serve: request records still in the writer's batch at SIGTERM are on disk after a restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-e2e-" });
  const upstream = await startMockUpstream({ name: "up" });
  const token = "sc-admin-e2e-records";
  const env = childEnv({ SIDECAR_ADMIN_TOKEN: token, SIDECAR_LOG_LEVEL: "warn" });
  const args = ["serve", "--port", "0", "--data-dir", dataDir];
  try {
    const ids: string[] = [];
    {
      await using server = new Server(args, env);
      const [, url] = await server.waitFor(server.stdout, LISTENING);
      const created = await api(url!, token, "POST", "/api/backends", {
        id: "b1",
        name: "Upstream",
        base_url: upstream.url,
        api_key: "sk-upstream-b1",
        models: ["*"],
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
        });
        assert.equal(res.status, 200);
        await res.body?.cancel();
        ids.push(res.headers.get("x-request-id")!);
      }
      // No read in between: the records are still batched (or in flight to the writer thread).
      const status = await server.terminate();
      assert.equal(status.code, 0, server.stderr.join("\n"));
    }
    {
      await using server = new Server(args, env);
      const [, url] = await server.waitFor(server.stdout, LISTENING);
      const list = await api(url!, token, "GET", "/api/requests?limit=100");
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.json.data.map((r: { id: string }) => r.id).sort(),
        [...ids].sort(),
      );
      assert.equal((await server.terminate()).code, 0);
    }
  } finally {
    await upstream.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("sidecar serve with a wrong SIDECAR_MASTER_KEY exits non-zero with a clear message", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-e2e-" });
  try {
    await (await startTestRuntime({ dataDir })).close();
    const out = await runToEnd(
      ["serve", "--port", "0", "--data-dir", dataDir],
      childEnv({ SIDECAR_MASTER_KEY: newMasterKey() }),
    );
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /master key/);
    assert.doesNotMatch(out.stdout, /listening on/);
    assertNoStackTrace(out.stderr);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("sidecar serve with a SIDECAR_MASTER_KEY that is not 32 bytes exits with a clear message", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "sidecar-e2e-" });
  try {
    const out = await runToEnd(
      ["serve", "--port", "0", "--data-dir", dataDir],
      childEnv({ SIDECAR_MASTER_KEY: "too-short" }),
    );
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /SIDECAR_MASTER_KEY/);
    assertNoStackTrace(out.stderr);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("sidecar serve with a data dir that is a file exits with a clear message", async () => {
  const file = await Deno.makeTempFile({ prefix: "sidecar-e2e-not-a-dir-" });
  try {
    const out = await runToEnd(["serve", "--port", "0", "--data-dir", file]);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /Data directory/);
    assert.ok(out.stderr.includes(file), out.stderr);
    assertNoStackTrace(out.stderr);
    assert.equal(Deno.readTextFileSync(file), "", "the file is left alone");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("sidecar --version prints the version; --help prints usage; both exit 0", async () => {
  const version = await runToEnd(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^sidecar \d+\.\d+\.\d+\n$/);
  const help = await runToEnd(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage:/);
  assert.match(help.stdout, /--data-dir/);
  assert.match(help.stdout, /SIDECAR_MASTER_KEY/);
});

Deno.test("sidecar with an unknown command exits 2 with a usage message", async () => {
  const out = await runToEnd(["launch"]);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /Unknown command "launch"/);
  assertNoStackTrace(out.stderr);
});
