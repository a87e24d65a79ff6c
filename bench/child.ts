/**
 * @module Child processes of the benchmark: start one, wait until it says
 * where it listens, keep draining its output, stop it, read its memory.
 */

/** A running child process of the benchmark. */
export interface Child {
  name: string;
  pid: number;
  /** The command line, shell-quoted. */
  command: string;
  /** The first URL the child printed (when a URL pattern was awaited). */
  url: string;
  /** The last lines the child printed on stdout and stderr, for diagnostics. */
  tail(): string;
  /** Resolves with the exit code once the child has exited. */
  exited: Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link spawnChild}. */
export interface SpawnOptions {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Resolve once a stdout/stderr line matches; capture group 1 (or the match) is the URL. @default first http URL */
  ready?: RegExp | null;
  /** How long to wait for `ready`. @default 30000 */
  timeoutMs?: number;
  /** Sees every line the child prints on stdout and stderr (say, V8's GC trace). */
  onLine?: (line: string) => void;
}

import { processTree, rssOf } from "./procfs.ts";

/** Quotes `arg` for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

const URL_PATTERN = /(https?:\/\/[^\s"'<>]+)/;
const TAIL_LINES = 60;

async function drain(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, nl).replace(/\r$/, ""));
        pending = pending.slice(nl + 1);
      }
      // A child that never prints a newline must not grow this without bound.
      if (pending.length > 65536) pending = pending.slice(-4096);
    }
  } catch {
    // The child went away; nothing more to read.
  }
  if (pending) onLine(pending);
}

/** Starts a child process and waits until it prints its URL (or `ready` is null). */
export async function spawnChild(options: SpawnOptions): Promise<Child> {
  const lines: string[] = [];
  const ready = options.ready === undefined ? URL_PATTERN : options.ready;
  let resolveUrl: (url: string) => void = () => {};
  const urlSeen = new Promise<string>((resolve) => (resolveUrl = resolve));
  const onLine = (line: string) => {
    options.onLine?.(line);
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
    const m = ready?.exec(line);
    if (m) resolveUrl(m[1] ?? m[0]);
  };

  const proc = new Deno.Command(options.cmd, {
    args: options.args,
    env: options.env,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const drained = Promise.all([
    drain(proc.stdout, onLine),
    drain(proc.stderr, onLine),
  ]);
  const exited = proc.status.then((s) => s.code);
  let stopped = false;

  const child: Child = {
    name: options.name,
    pid: proc.pid,
    command: [options.cmd, ...options.args].map(shellQuote).join(" "),
    url: "",
    tail: () => lines.join("\n"),
    exited,
    async stop(graceMs = 3000) {
      if (stopped) return;
      stopped = true;
      try {
        proc.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          try {
            proc.kill("SIGKILL");
          } catch {
            // Already gone.
          }
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      await exited;
      clearTimeout(timer);
      await drained;
    },
  };
  if (ready === null) return child;

  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    urlSeen.then((url) => ({ kind: "url" as const, url })),
    exited.then((code) => ({ kind: "exited" as const, code })),
    new Promise<{ kind: "timeout" }>((resolve) => {
      timer = setTimeout(
        () => resolve({ kind: "timeout" }),
        options.timeoutMs ?? 30000,
      );
    }),
  ]);
  clearTimeout(timer);
  if (outcome.kind === "url") {
    child.url = outcome.url.replace(/\/+$/, "");
    return child;
  }
  await child.stop(500);
  const why = outcome.kind === "exited"
    ? `exited with code ${outcome.code}`
    : `printed no URL within ${options.timeoutMs ?? 30000} ms`;
  throw new Error(`"${options.name}" ${why}; last output:\n${child.tail()}`);
}

/** Resident set size in bytes of `pid` plus its descendants (nginx's workers, say). */
export async function treeRss(pid: number): Promise<number> {
  return (await rssOf(await processTree(pid))).rss;
}

/** Polls `url` until it answers (any status) or `timeoutMs` passes. */
export async function waitForHttp(
  url: string,
  timeoutMs = 10000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return;
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(
    `No answer from "${url}" within ${timeoutMs} ms: ${lastError}`,
  );
}

/** Asks the OS for a free TCP port on 127.0.0.1 (for programs that cannot take port 0). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
