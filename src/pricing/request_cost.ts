/**
 * @module request_cost
 * A request's cost (docs/accounting.md, "Cost"): after it ends, the sum over
 * the upstream calls that served it, each at the price that applied to its
 * backend; before it is sent, its worst case, for budgets to reserve.
 */
import { upstreamModel } from "../engine/model_match.ts";
import type { Usage } from "../api_formats/usage.ts";
import { callCost, PER_MTOK, roundUsd } from "./cost.ts";
import type { PriceBook, PricedBackend } from "./price_book.ts";
import type { PriceEntry } from "./price_entry.ts";
import type { ServedCall } from "./served_call.ts";
import { promptChars, tokensOfChars } from "./token_estimate.ts";

/** One served call, priced. */
export interface CallCharge {
  backendId: string;
  /** USD; null when no price applied to the call. */
  cost_usd: number | null;
  /** Estimated: the call was a stream that reported no usage. */
  estimated: boolean;
}

/** What a finished request cost. */
export interface RequestCost {
  /**
   * USD over every served call that had a price; null when calls served it
   * and none had one. A request no upstream served costs 0.
   */
  cost_usd: number | null;
  /** Some served call had no price (so `cost_usd`, when not null, leaves it out). */
  unpriced: boolean;
  /** Some call's usage was estimated. */
  usage_estimated: boolean;
  calls: CallCharge[];
}

/** The real cost of a request asked for as `model`, from the calls that served it. */
export function requestCost(
  book: PriceBook,
  model: string,
  calls: readonly ServedCall[],
): RequestCost {
  const charges = calls.map((call): CallCharge => {
    const price = book.priceFor(call.backend, call.upstreamModel, model);
    const estimated = call.usage === undefined && call.stream;
    const usage = call.usage ?? (estimated ? estimatedUsage(call) : undefined);
    return {
      backendId: call.backend.id,
      cost_usd: price === undefined ? null : usage ? roundUsd(callCost(usage, price)) : 0,
      estimated,
    };
  });
  const priced = charges.filter((c) => c.cost_usd !== null);
  const unpriced = priced.length < charges.length;
  return {
    cost_usd: charges.length > 0 && priced.length === 0
      ? null
      : roundUsd(priced.reduce((sum, c) => sum + c.cost_usd!, 0)),
    unpriced,
    usage_estimated: charges.some((c) => c.estimated),
    calls: charges,
  };
}

/**
 * A stream that reported no usage: its prompt (the body it was sent, which
 * for a continuation holds the text delivered before it) and the text
 * relayed from it, at {@link tokensOfChars}.
 */
function estimatedUsage(call: ServedCall): Usage {
  const prompt = tokensOfChars(promptChars(call.body));
  const completion = tokensOfChars(call.outputChars);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

/** The answer length assumed when neither the request nor the price gives one. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** A backend a request may go to, as far as its price is concerned. */
export interface CandidateBackend extends PricedBackend {
  model_map: Readonly<Record<string, string>>;
}

/**
 * The most a request can cost before it is sent, for budget reservations
 * (CONTRACT §6): its prompt estimated from the body (as for a stream without
 * usage, no cache discount), its answer at the request's own limit
 * (`max_tokens`, `max_completion_tokens` or `max_output_tokens`, the largest
 * given, times `n`), else the price's `max_output_tokens`, else
 * {@link DEFAULT_MAX_OUTPUT_TOKENS}; at the dearest price among `candidates`
 * (the backends that may serve it). Null when no candidate has a price.
 */
export function worstCaseCost(
  book: PriceBook,
  request: { model: string; body: Record<string, unknown> },
  candidates: readonly CandidateBackend[],
): number | null {
  const prompt = tokensOfChars(promptChars(request.body));
  const limit = outputLimit(request.body);
  let worst: number | null = null;
  for (const b of candidates) {
    const price = book.priceFor(b, upstreamModel(b.model_map, request.model), request.model);
    if (!price) continue;
    const output = limit ?? price.max_output_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    const usd = worstCallCost(prompt, output * choices(request.body), price);
    if (worst === null || usd > worst) worst = usd;
  }
  return worst === null ? null : roundUsd(worst);
}

/** Every prompt token at the input rate, every answer token at the dearer of output and reasoning. */
function worstCallCost(prompt: number, output: number, price: PriceEntry): number {
  const outputRate = Math.max(price.output_per_mtok, price.reasoning_per_mtok ?? 0);
  return (prompt * price.input_per_mtok + output * outputRate) / PER_MTOK;
}

/** The request's own answer limit: the largest of the three names, when any is a positive integer. */
function outputLimit(body: Record<string, unknown>): number | undefined {
  let limit: number | undefined;
  for (const name of ["max_tokens", "max_completion_tokens", "max_output_tokens"]) {
    const v = body[name];
    if (typeof v === "number" && Number.isInteger(v) && v > 0) limit = Math.max(limit ?? 0, v);
  }
  return limit;
}

/** Answers asked for (`n`), each as long as the limit. */
function choices(body: Record<string, unknown>): number {
  const n = body.n;
  return typeof n === "number" && Number.isInteger(n) && n > 1 ? n : 1;
}
