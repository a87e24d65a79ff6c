/**
 * @module relayed_call
 * A committed stream as the relay takes it (stream_relay.ts): the upstream
 * call with its key scrubber and cost, what the API the backend speaks says
 * about its streams, and, when the client speaks the other family, the
 * translator of its events; and the client's side as its own API writes it.
 */
import { answerIdentity, streamTranslator } from "../api_formats/answer_translation.ts";
import { formatOf } from "../api_formats/formats.ts";
import type { BackendLease } from "../engine/backend_lease.ts";
import type { ServedCall } from "../pricing/served_call.ts";
import type { OpenStream } from "./attempt.ts";
import type { ClientStream, RelayedCall } from "./stream_relay.ts";
import type { ClientCall } from "./upstream_request.ts";

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
