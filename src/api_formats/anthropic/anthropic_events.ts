/**
 * @module anthropic_events
 * What a Messages stream's event means to the proxy (chunk_info.ts): each
 * event names its type (in its data's `type`, and in its `event:` line);
 * `message_stop` ends the stream, `message_delta` carries the stop reason,
 * so after it the answer is finished, `error` is an in-band error, and the
 * usage is `message_start`'s updated by each `message_delta`.
 * https://docs.claude.com/en/docs/build-with-claude/streaming
 */
import type { SseEvent } from "../../proxy/sse.ts";
import type { ChunkInfo, EventReader } from "../chunk_info.ts";
import { isRecord } from "../translate/json.ts";
import { anthropicStreamErrorOf } from "./anthropic_error.ts";
import { UsageCounter } from "./anthropic_usage.ts";

const COMMENT: ChunkInfo = Object.freeze({ kind: "comment" });
const MALFORMED: ChunkInfo = Object.freeze({ kind: "malformed" });

/** A reader of one Messages stream's events. */
export function anthropicEventReader(): EventReader {
  const counter = new UsageCounter();
  return (ev: SseEvent): ChunkInfo => {
    if (ev.data === "") return COMMENT;
    let json: unknown;
    try {
      json = JSON.parse(ev.data);
    } catch {
      return MALFORMED;
    }
    if (!isRecord(json)) return MALFORMED;
    const type = typeof json.type === "string" ? json.type : ev.event;
    switch (type) {
      case "error":
        return { kind: "error", error: anthropicStreamErrorOf(json) };
      case "message_stop":
        return { kind: "done", json };
      case "message_start": {
        const message = isRecord(json.message) ? json.message : {};
        return data(json, false, counter.add(message.usage));
      }
      case "message_delta":
        return data(json, true, counter.add(json.usage));
      default:
        return data(json, false, undefined);
    }
  };
}

function data(
  json: Record<string, unknown>,
  finished: boolean,
  usage: ReturnType<UsageCounter["add"]>,
): ChunkInfo {
  return usage
    ? { kind: "data", json, finished, usage, usageOnly: false }
    : { kind: "data", json, finished, usageOnly: false };
}
