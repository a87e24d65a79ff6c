/**
 * @module chunk_info
 * What one upstream stream event means to the proxy, whatever API sent it:
 * each API format reads its own events into this (openai_events.ts,
 * anthropic_events.ts), and the attempt and the stream relay decide on it
 * alone (docs/streaming.md).
 */
import type { UpstreamError } from "../proxy/failure_classifier.ts";
import type { SseEvent } from "../proxy/sse.ts";
import type { Json } from "./translate/json.ts";
import type { Usage } from "./usage.ts";

/** What an upstream stream event means to the proxy. */
export type ChunkInfo =
  /** The stream's own terminator (`[DONE]`; Anthropic's `message_stop`, whose data is `json`). */
  | { kind: "done"; json?: Json }
  /** No data: a keep-alive, forwarded as it is. */
  | { kind: "comment" }
  /** Data that is not what the API sends: dropped. */
  | { kind: "malformed" }
  /** An in-band error, in the failure classifier's words. */
  | { kind: "error"; error: UpstreamError }
  | {
    kind: "data";
    json: Record<string, unknown>;
    /** The answer is finished: a `finish_reason`, a Responses API terminal event, Anthropic's `message_delta`. */
    finished: boolean;
    /** The stream's usage so far, when this event reports it. */
    usage?: Usage;
    /** The chat usage chunk (`choices: []` with `usage`), which a client that did not ask for it is not sent. */
    usageOnly: boolean;
  };

/** Reads one stream's events in order; one per upstream stream, as some APIs spread usage over events. */
export type EventReader = (ev: SseEvent) => ChunkInfo;
