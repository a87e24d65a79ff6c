/**
 * @module relayed_call
 * A committed stream as the relay takes it (stream_relay.ts): the upstream
 * call with its key scrubber and cost, what the API the backend speaks says
 * about its streams, and, when the client speaks the other family, the
 * translator of its events; and the client's side as its own API writes it.
 */
import type { StreamBreak } from "../api_formats/api_format.ts";
import {
  answerIdentity,
  type StreamTranslator,
  streamTranslator,
} from "../api_formats/answer_translation.ts";
import { formatOf } from "../api_formats/formats.ts";
import type { Json } from "../api_formats/translate/json.ts";
import type { BackendLease } from "../engine/backend_lease.ts";
import type { KeyScrubber } from "../key_scrubber.ts";
import type { ServedCall } from "../pricing/served_call.ts";
import type { OpenStream } from "./attempt.ts";
import type { ClientCall } from "./upstream_request.ts";

/** How the client's side of the stream is written, by the API the client speaks. */
export interface ClientStream {
  /** Encodes an event Sidecar writes itself (translated, or rewritten by a resume). */
  encode(json: Json): Uint8Array;
  /** Sent after a finished stream whose upstream left out its own end. */
  terminator: Uint8Array | undefined;
  /** The event a broken stream ends with, `message` already scrubbed. */
  streamError(code: StreamBreak, message: string): Uint8Array;
  /** Forward the usage-only chunk (the client asked for it). */
  forwardUsage: boolean;
}

/** One upstream call whose stream is relayed: the committed attempt, or a continuation. */
export interface RelayedCall {
  stream: OpenStream;
  /** Aborts its upstream request. */
  abort: () => void;
  /** Takes the backend's key out of every event before it is sent or kept. */
  scrub: KeyScrubber;
  /** The upstream call, told each event for its cost. */
  served: ServedCall;
  /** Its events in the client's API; absent when the client speaks the upstream's. */
  translator?: StreamTranslator;
  /** What a finished stream of its API may leave out that its client expects (passthrough only). */
  closing?: Uint8Array;
}

/** Which request a stream answers, and when, for the name of a translated answer. */
export interface StreamOrigin {
  requestId: string;
  nowMs: number;
}

/** The stream `lease`'s attempt opened for `call`, to be relayed. */
export function relayedCall(
  call: ClientCall,
  origin: StreamOrigin,
  lease: BackendLease,
  controller: AbortController,
  stream: OpenStream,
  served: ServedCall,
): RelayedCall {
  const backend = lease.backend;
  const relayed: RelayedCall = {
    stream,
    abort: () => controller.abort(),
    scrub: backend.scrub,
    served,
  };
  if (backend.api !== call.api) {
    const identity = answerIdentity(call.api, origin.requestId, origin.nowMs, lease.upstreamModel);
    relayed.translator = streamTranslator(call.api, identity, call.clientWantsUsage);
  } else {
    const { closing } = formatOf(backend.api).upstream;
    if (closing) relayed.closing = closing;
  }
  return relayed;
}

/** The client's side of `call`'s stream, by the API the client speaks. */
export function clientStream(call: ClientCall): ClientStream {
  const client = formatOf(call.api).client;
  return {
    encode: client.encodeEvent,
    terminator: client.terminator(call.endpoint),
    streamError: client.streamError,
    forwardUsage: call.clientWantsUsage,
  };
}
