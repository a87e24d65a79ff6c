/**
 * @module limited_sidecar
 * A real `sidecar serve` for the connection tests, optionally under a low
 * `ulimit -n`, with its output collected (to check what it logged and that
 * it never crashed) and raw-socket helpers to play a hostile client.
 */
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const WAIT_MS = 20_000;
const LISTENING = /Sidecar \S+ listening on http:\/\/127\.0\.0\.1:(\d+)/;

/** A spawned Sidecar; SIGKILLed on dispose if still running. */
export class LimitedSidecar implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #output: string[] = [];
  readonly #pumps: Promise<void>[];
  #exit: Deno.CommandStatus | undefined;
  readonly status: Promise<Deno.CommandStatus>;

  private constructor(child: Deno.ChildProcess, readonly port: number, first: string) {
    this.#child = child;
    this.#output.push(first);
    this.#pumps = [];
    this.status = child.status.then((s) => (this.#exit = s));
  }

  /**
   * Starts Sidecar on a free port of 127.0.0.1 with a fresh data dir,
   * `SIDECAR_ADMIN_TOKEN=token` and `env`, under `ulimit -n openFiles` if given.
   */
  static async start(
    opts: { dataDir: string; token: string; env?: Record<string, string>; openFiles?: number },
  ): Promise<LimitedSidecar> {
    const deno =
      `exec '${Deno.execPath()}' run -A '${MAIN}' serve --port 0 --data-dir '${opts.dataDir}'`;
    const script = opts.openFiles ? `ulimit -n ${opts.openFiles} && ${deno}` : deno;
    const env = Object.fromEntries(
      Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("SIDECAR_")),
    );
    const child = new Deno.Command("bash", {
      args: ["-c", script],
      cwd: REPO_ROOT,
      env: { ...env, NO_COLOR: "1", SIDECAR_ADMIN_TOKEN: opts.token, ...opts.env },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), WAIT_MS);
    try {
      for (;;) {
        const { value, done } = await lines.read();
        if (done) {
          const err = await new Response(child.stderr).text();
          throw new Error(`sidecar exited before listening:\n${seen}\n${err}`);
        }
        seen += value;
        const m = seen.match(LISTENING);
        if (!m) continue;
        const proc = new LimitedSidecar(child, Number(m[1]), seen);
        proc.#pumps.push(
          proc.#pump(lines),
          proc.#pump(child.stderr.pipeThrough(new TextDecoderStream()).getReader()),
        );
        return proc;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async #pump(reader: ReadableStreamDefaultReader<string>): Promise<void> {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      this.#output.push(value);
    }
  }

  /** `http://127.0.0.1:port`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Everything printed so far, stdout and stderr interleaved. */
  get output(): string {
    return this.#output.join("");
  }

  /** The exit status if the process has ended. */
  get exited(): Deno.CommandStatus | undefined {
    return this.#exit;
  }

  /** Sends SIGTERM and waits for the exit. */
  async terminate(): Promise<Deno.CommandStatus> {
    this.#child.kill("SIGTERM");
    const s = await this.status;
    await Promise.all(this.#pumps);
    return s;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#exit) this.#child.kill("SIGKILL");
    await this.status;
    await Promise.all(this.#pumps);
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Writes all of `text` to `conn`. */
export async function writeAll(conn: Deno.Conn, text: string | Uint8Array): Promise<void> {
  let bytes = typeof text === "string" ? enc.encode(text) : text;
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
}

/**
 * Reads from `conn` until the peer closes it or `ms` pass: the text read,
 * whether it closed (EOF or reset) and when.
 */
export async function readUntilClosed(
  conn: Deno.Conn,
  ms: number,
): Promise<{ text: string; closed: boolean; afterMs: number }> {
  const start = Date.now();
  const buf = new Uint8Array(16 * 1024);
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
  try {
    for (;;) {
      const n = await Promise.race([conn.read(buf).catch(() => null), timeout]);
      if (n === "timeout") return { text, closed: false, afterMs: Date.now() - start };
      if (n === null) return { text, closed: true, afterMs: Date.now() - start };
      text += dec.decode(buf.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
}
