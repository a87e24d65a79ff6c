/**
 * @module relayed_call
 * A committed stream as the relay takes it (stream_relay.ts): the upstream
 * call with its key scrubber and cost and what the API the backend speaks
 * says about its streams, and the client's side as its own API writes it.
 */
import { formatOf } from "../api_formats/formats.ts";
import type { BackendLease } from "../engine/backend_lease.ts";
import type { ServedCall } from "../pricing/served_call.ts";
import type { OpenStream } from "./attempt.ts";
import type { ClientStream, RelayedCall } from "./stream_relay.ts";
import type { ClientCall } from "./upstream_request.ts";

/** The stream `lease`'s attempt opened, to be relayed. */
export function relayedCall(
  lease: BackendLease,
  controller: AbortController,
  stream: OpenStream,
  served: ServedCall,
): RelayedCall {
  const backend = lease.backend;
  const { closing } = formatOf(backend.api).upstream;
  return {
    stream,
    abort: () => controller.abort(),
    scrub: backend.scrub,
    served,
    ...(closing && { closing }),
  };
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
