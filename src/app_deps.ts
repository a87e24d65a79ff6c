/**
 * @module app_deps
 * Everything the HTTP layer and admin operations are built from. Built once
 * in `main.ts` (or per test), never a module-level singleton.
 */
import type { FailedAuthLimiter } from "./auth/failed_auth_limiter.ts";
import type { KeyRing } from "./auth/key_ring.ts";
import type { Registry } from "./engine/registry.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import type { PriceBook } from "./pricing/price_book.ts";
import type { Deadlines } from "./proxy/deadlines.ts";
import type { SecretBox } from "./secrets/secret_box.ts";
import type { Store } from "./store/store.ts";
import type { Timers } from "./timers.ts";

/** Injected dependencies of the app. */
export interface AppDeps {
  store: Store;
  registry: Registry;
  box: SecretBox;
  keyRing: KeyRing;
  /** Failed authentications per client address (sign-in, `/api`, `/v1`). */
  authLimiter: FailedAuthLimiter;
  log: Logger;
  metrics: Metrics;
  /** The prices in force: what each request costs. */
  prices: PriceBook;
  /** Epoch ms. @default Date.now */
  now: () => number;
  /** Waits; false when the signal aborted first. The attempt loop's backoffs and waits. @default REAL_TIMERS.sleep */
  sleep: Timers["sleep"];
  /** [0, 1). @default Math.random */
  random: () => number;
  /** The proxy's timeouts, on one coarse timer. */
  deadlines: Deadlines;
  /** The upstream HTTP client. @default globalThis.fetch */
  fetch: typeof fetch;
  version: string;
}
