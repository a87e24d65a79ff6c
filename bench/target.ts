/**
 * @module What a benchmark target is, plus the two that need no setup:
 * the mock itself ("direct") and the bare Deno passthrough.
 */

import { type Child, spawnChild } from "./child.ts";
import type { KeyAudit } from "./key_audit.ts";
import { MOCK_API_KEY } from "./mock_upstream.ts";

/** The proxied endpoint every target is measured on. */
export const CHAT_PATH = "/v1/chat/completions";

/** One configuration under test. */
export interface Target {
  /** Stable id used in result files, e.g. `nginx`. */
  id: string;
  /** Human name for the tables. */
  label: string;
  /** Full URL of the endpoint measured: chat completions (Messages for `sidecar_messages`). */
  url: string;
  /** Headers every request to it carries (auth, provider routing). */
  headers: Record<string, string>;
  /** The process whose resident memory (with its descendants) is the target's. */
  pid: number;
  /**
   * Processes of the configuration that are not descendants of `pid`
   * (Sidecar's redis-server): their CPU is the configuration's, not noise
   * from the machine. Their memory is not counted: it is not the gateway's.
   */
  companionPids?: number[];
  /** The command line that started it, for the record. */
  command: string;
  /** The non-stream request of every load run and check. @default settings.ts `BODY` */
  body?: string;
  /** Answers in the Messages API's shape (content blocks), not a chat completion's. */
  messagesApi?: boolean;
  /**
   * Measured without streams (the mock's Messages API answers whole): no
   * stream checks or streaming probes.
   */
  noStreams?: boolean;
  /** What Sidecar's own records say its client key did, read after the load (`sidecar_governed`). */
  audit?(): Promise<KeyAudit>;
  stop(): Promise<void>;
}

const benchDir = new URL(".", import.meta.url).pathname;

/** Starts the mock upstream in its own process, so it never shares an event loop with the load. */
export async function startMockProcess(): Promise<Child> {
  return await spawnChild({
    name: "mock upstream",
    cmd: Deno.execPath(),
    args: ["run", "--no-config", "--allow-net", `${benchDir}mock_upstream.ts`],
    timeoutMs: 20000,
  });
}

/** The mock itself: the baseline every added latency is measured from. */
export function directTarget(mock: Child): Target {
  return {
    id: "direct",
    label: "direct to mock",
    url: mock.url + CHAT_PATH,
    headers: { authorization: `Bearer ${MOCK_API_KEY}` },
    pid: mock.pid,
    command: mock.command,
    stop: () => Promise.resolve(),
  };
}

/** Options of {@link startPassthrough}. */
export interface PassthroughOptions {
  /** Script under bench/. @default "passthrough.ts" */
  script?: string;
  /** Arguments after the upstream URL. */
  args?: string[];
  /** @default "passthrough" */
  id?: string;
  /** @default "bare Deno fetch passthrough" */
  label?: string;
  /** Extra `deno run` flags (say, V8 flags for profiling). */
  denoFlags?: string[];
  /** Extra environment (the tail study's SIDECAR_TRACE_PHASES). */
  env?: Record<string, string>;
  /** Sees every line the passthrough prints (V8's GC trace, for the tail study). */
  onLine?: (line: string) => void;
}

/** Starts `bench/passthrough.ts` (or a variant script) in front of the mock. */
export async function startPassthrough(
  mockUrl: string,
  o: PassthroughOptions = {},
): Promise<Target> {
  const label = o.label ?? "bare Deno fetch passthrough";
  const child = await spawnChild({
    name: label,
    cmd: Deno.execPath(),
    args: [
      "run",
      "--no-config",
      "--allow-net",
      "--allow-env",
      ...(o.denoFlags ?? []),
      `${benchDir}${o.script ?? "passthrough.ts"}`,
      mockUrl,
      ...(o.args ?? []),
    ],
    ...(o.env && { env: o.env }),
    ...(o.onLine && { onLine: o.onLine }),
    timeoutMs: 20000,
  });
  return {
    id: o.id ?? "passthrough",
    label,
    url: child.url + CHAT_PATH,
    headers: { authorization: `Bearer ${MOCK_API_KEY}` },
    pid: child.pid,
    command: child.command,
    stop: () => child.stop(),
  };
}
