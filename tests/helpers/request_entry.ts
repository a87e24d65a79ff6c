/**
 * @module request_entry
 * One finished request record, as the proxy hands it to the store, for
 * tests of the store, the writer and the usage API. A test sets in `over`
 * every field its assertions read.
 */
import type { RequestEntry } from "../../src/store/request_repo.ts";

/** A successful non-stream request on `b1` at `ts`, 10 + 5 tokens, 100 ms. */
export function requestEntry(
  over: Partial<RequestEntry> & Pick<RequestEntry, "id" | "ts">,
): RequestEntry {
  return {
    model: "gpt-4o",
    upstream_model: "gpt-4o",
    backend_id: "b1",
    pool_id: "primary",
    key_id: "key_1",
    api: "openai",
    status: 200,
    outcome: "ok",
    stream: false,
    attempts: [{ backend_id: "b1", status: 200, reason: "ok", ms: 10 }],
    latency_ms: 100,
    ttfb_ms: 50,
    prompt_tokens: 10,
    completion_tokens: 5,
    total_tokens: 15,
    cost_usd: 0.000075,
    unpriced: false,
    usage_estimated: false,
    error: null,
    ...over,
  };
}
