/**
 * @module openai_events
 * What an OpenAI-compatible stream's event means (chat and completions
 * chunks, `data: [DONE]`, the Responses API's typed events, in-band errors)
 * as the proxy reads it (chunk_info.ts).
 */
import type { SseEvent } from "../../proxy/sse.ts";
import type { ChunkInfo } from "../chunk_info.ts";
import { isRecord } from "../translate/json.ts";
import { upstreamErrorOf } from "./openai_error.ts";
import { extractUsage } from "./openai_usage.ts";

// Responses API events after which no more output follows.
const TERMINAL_TYPES = new Set(["response.completed", "response.incomplete", "response.failed"]);

/** Tells the proxy what one upstream event is: payload, terminator, error or noise. */
export function classifyEvent(ev: SseEvent): ChunkInfo {
  // No data lines (keep-alive comments, bare `event:` lines): nothing to parse.
  if (ev.data === "") return { kind: "comment" };
  if (ev.data.trim() === "[DONE]") return DONE;
  let json: unknown;
  try {
    json = JSON.parse(ev.data);
  } catch {
    return { kind: "malformed" };
  }
  if (!isRecord(json)) return { kind: "malformed" };
  const error = upstreamErrorOf(json);
  if (error) return { kind: "error", error };
  const usage = extractUsage(json);
  const finished = isFinished(json);
  const usageOnly = Array.isArray(json.choices) && json.choices.length === 0 &&
    usage !== undefined;
  const info: DataChunk = { kind: "data", json, finished, usageOnly };
  if (usage) info.usage = usage;
  return info;
}

const DONE: ChunkInfo = Object.freeze({ kind: "done" });

type DataChunk = Extract<ChunkInfo, { kind: "data" }>;

function isFinished(json: Record<string, unknown>): boolean {
  if (typeof json.type === "string" && TERMINAL_TYPES.has(json.type)) return true;
  if (!Array.isArray(json.choices)) return false;
  // Truthy, not just non-null: some servers send `""` on every chunk.
  return json.choices.some((choice: unknown) => isRecord(choice) && !!choice.finish_reason);
}
