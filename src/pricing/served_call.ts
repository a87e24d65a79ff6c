/**
 * @module served_call
 * One upstream call whose answer reached the client: the committed attempt,
 * and each continuation of a resumed stream (docs/streaming.md). It notes
 * what the call is priced by and what it used: the usage the upstream
 * reported, and, for the estimate when it reports none, the generated
 * characters relayed from it.
 */
import type { Usage } from "../api_formats/usage.ts";
import type { PricedBackend } from "./price_book.ts";
import { outputChars } from "./token_estimate.ts";

/** The backend of a call, as accounting sees it. */
export interface CallBackend extends PricedBackend {
  id: string;
}

/** One upstream call that served (part of) a request's answer. */
export class ServedCall {
  /** The usage the upstream reported for this call, if it did. */
  usage: Usage | undefined;
  #outputChars = 0;

  constructor(
    readonly backend: CallBackend,
    /** The model name sent upstream (after `model_map`). */
    readonly upstreamModel: string,
    /** The body sent upstream: the prompt an estimate counts. */
    readonly body: Record<string, unknown>,
    /** A stream: only a stream's usage is estimated when none was reported. */
    readonly stream: boolean,
  ) {}

  /** Notes one event of this call's stream. */
  observe(json: Record<string, unknown>, usage: Usage | undefined): void {
    if (usage) this.usage = usage;
    this.#outputChars += outputChars(json);
  }

  /** Characters of generated text relayed from this call. */
  get outputChars(): number {
    return this.#outputChars;
  }
}
