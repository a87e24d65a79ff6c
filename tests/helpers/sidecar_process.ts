/**
 * @module sidecar_process
 * A real `sidecar` process for end-to-end tests that kill, restart and
 * race it: spawned from `main.ts` with a clean environment, its output
 * collected, its URL read from the start-up line, and killed on dispose.
 */
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
/** A child that has not started listening within this is a failure. */
const WAIT_MS = 20_000;
const LISTENING = /Sidecar \S+ listening on (http:\/\/127\.0\.0\.1:\d+)/;

/** The parent's environment without any SIDECAR_* variable, plus `extra`. */
export function sidecarEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("SIDECAR_")),
  );
  return { ...env, NO_COLOR: "1", ...extra };
}

/** `deno run -A main.ts ...args` in a clean `env`, its output piped. */
export function sidecarCommand(
  args: string[],
  env: Record<string, string>,
  signal?: AbortSignal,
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: REPO_ROOT,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  });
}

/** Runs the CLI to completion (killed after 20 s) and returns its output. */
export async function runSidecar(
  args: string[],
  env = sidecarEnv(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), WAIT_MS);
  try {
    const out = await sidecarCommand(args, env, ac.signal).output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

/** A running `sidecar serve`; `url` is set once it listens. */
export class SidecarProcess implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #output: Promise<[string, string]>;
  readonly status: Promise<Deno.CommandStatus>;
  #exited = false;

  private constructor(child: Deno.ChildProcess, readonly url: string, rest: Promise<string>[]) {
    this.#child = child;
    this.#output = Promise.all(rest) as Promise<[string, string]>;
    this.status = child.status.then((s) => {
      this.#exited = true;
      return s;
    });
  }

  /** Starts `sidecar serve --port 0 --data-dir dir ...args` and waits until it listens. */
  static async start(
    dir: string,
    env: Record<string, string>,
    args: readonly string[] = [],
  ): Promise<SidecarProcess> {
    const child = sidecarCommand(["serve", "--port", "0", "--data-dir", dir, ...args], env).spawn();
    const stderr = new Response(child.stderr).text();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), WAIT_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          const status = await child.status;
          throw new Error(`sidecar exited (${status.code}) before listening:\n${await stderr}`);
        }
        seen += value;
        const m = seen.match(LISTENING);
        if (m) {
          const rest = (async () => {
            let out = seen;
            for (;;) {
              const r = await reader.read();
              if (r.done) return out;
              out += r.value;
            }
          })();
          return new SidecarProcess(child, m[1]!, [rest, stderr]);
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` (e.g. `SIGHUP`) to the process. */
  signal(signal: Deno.Signal): void {
    this.#child.kill(signal);
  }

  /** `kill -9`: no shutdown code runs. */
  async kill(): Promise<Deno.CommandStatus> {
    if (!this.#exited) this.#child.kill("SIGKILL");
    const status = await this.status;
    await this.#output;
    return status;
  }

  /** Stdout and stderr so far (complete once the process ended). */
  output(): Promise<[string, string]> {
    return this.#output;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}

/** An admin JSON API call against a running process. */
export async function adminCall(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<
  { status: number; json: { data?: unknown; error?: unknown } & Record<string, unknown> }
> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}
