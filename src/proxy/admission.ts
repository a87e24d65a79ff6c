/**
 * @module admission
 * The step between a request's checks and its first attempt (docs/keys.md,
 * "Admission"): an ordered list of checks, each of which refuses the request
 * or lets it on, possibly holding something (an in-flight slot, a claim on
 * the key's tokens, a reservation on its budget) until the request ends. A
 * refused request reaches no backend. Every check reads memory only: a
 * key's policy and state are live in the key ring, never read from SQLite
 * per request. The one wait is a budget in Redis mode: its reservation is
 * the cluster's to grant (docs/cluster.md, "Budgets").
 */
import type { AppDeps } from "../app_deps.ts";
import type { Principal } from "../auth/key_ring.ts";
import { isoSeconds } from "../bytes.ts";
import { matchesModel } from "../engine/model_match.ts";
import { type ErrorType, SidecarError } from "../errors.ts";
import { budgetRefusalMessage } from "../keys/budget_refusal.ts";
import type { LiveKey } from "../keys/live_key.ts";
import { worstCaseCost } from "../pricing/request_cost.ts";
import type { BudgetVerdict } from "../state/budget_ledger.ts";
import type { RequestEnd, RequestTrace } from "./request_log.ts";
import type { ClientCall } from "./upstream_request.ts";

/** A request refused at admission; recorded with outcome `refused` and its code. */
export class Refusal extends SidecarError {
  constructor(
    status: number,
    type: ErrorType,
    message: string,
    override readonly code: string,
    param: string | null = null,
    headers: Record<string, string> = {},
  ) {
    super(status, type, message, code, param, headers);
  }
}

/** What the checks see of one request. */
export interface AdmissionRequest {
  readonly deps: AppDeps;
  /** The client key; undefined for the admin token, which no key policy governs. */
  readonly key: LiveKey | undefined;
  readonly call: ClientCall;
  readonly now: number;
}

/** What a check keeps until the request ends. */
export interface Hold {
  /**
   * Gives it back when the request is over, settled against what really
   * happened (the tokens really used). Called exactly once.
   */
  release(trace: RequestTrace, end: RequestEnd, now: number): void;
}

/** What a check decided: a refusal, or a pass that holds something, or a plain pass. */
export type Verdict = Refusal | Hold | undefined;

/** One step of admission; one that must ask the cluster answers with a promise (never rejected). */
export type AdmissionCheck = (req: AdmissionRequest) => Verdict | Promise<Verdict>;

/** Largest `max_tokens` (or its siblings) accepted: far above any model's output. */
export const MAX_OUTPUT_TOKENS = 100_000_000;

const OUTPUT_FIELDS = ["max_tokens", "max_completion_tokens", "max_output_tokens"] as const;

/** Enabled and not expired (the key itself was valid, or it would not have authenticated). */
export function keyUsable(key: LiveKey, now: number): Refusal | undefined {
  if (!key.policy.enabled) {
    return new Refusal(401, "authentication_error", "This API key is disabled", "key_disabled");
  }
  if (now >= key.expiresAt) {
    return new Refusal(
      401,
      "authentication_error",
      `This API key expired at ${key.policy.expires_at}`,
      "key_expired",
    );
  }
  return undefined;
}

/** Whether the key's `models` globs allow `model` (null: every model). */
export function keyAllowsModel(key: LiveKey, model: string): boolean {
  const globs = key.policy.models;
  return globs === null || matchesModel(globs, model);
}

const usable: AdmissionCheck = (req) => req.key && keyUsable(req.key, req.now);

const modelAllowed: AdmissionCheck = ({ key, call }) => {
  if (!key || keyAllowsModel(key, call.model)) return undefined;
  return new Refusal(
    403,
    "permission_error",
    `This API key may not use model "${call.model}"`,
    "model_not_allowed",
    "model",
  );
};

/**
 * A declared output that is not a whole number of tokens, or absurdly
 * large, is refused before it counts against any limit (a budget reserves
 * for it).
 */
const outputBound: AdmissionCheck = ({ call }) => {
  const body = call.body;
  for (const field of OUTPUT_FIELDS) {
    const v = body[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > MAX_OUTPUT_TOKENS) {
      return new Refusal(
        400,
        "invalid_request_error",
        `Invalid "${field}": must be a whole number from 0 to ${MAX_OUTPUT_TOKENS}`,
        "invalid_max_tokens",
        field,
      );
    }
  }
  return undefined;
};

/**
 * A slot for the request, counted for every key (so a limit set while
 * requests are in flight sees them) and refused past `max_concurrent`. The
 * key's slots are their own hold: releasing one is all a slot needs.
 */
const concurrency: AdmissionCheck = ({ key }) => {
  if (!key) return undefined;
  const max = key.policy.max_concurrent;
  if (max === null) key.slots.acquire();
  else if (!key.slots.tryAcquire(max)) {
    return new Refusal(
      429,
      "rate_limit_error",
      `This API key has ${max} requests in flight, its max_concurrent: retry when one ends`,
      "key_concurrency_exceeded",
    );
  }
  return key.slots;
};

/**
 * The key's token buckets, as a backend's (docs/limits.md): one rpm token
 * per request, and the request's real tokens charged to tpm after the
 * answer, so tpm refuses only once the bucket is spent. TPM is asked first
 * and takes nothing, so a refused request spends no rpm token.
 */
const rateLimit: AdmissionCheck = ({ deps, key, now }) => key && takeKeyTokens(key, now, deps.now);

/**
 * The rate check at `now`. A bucket that is empty only because its tokens
 * are on their way from the cluster (Redis mode: a lease being topped up,
 * see LocalBucket.arriving) is waited for, one round trip, and asked again:
 * refusing then would turn down what one Sidecar alone would have served.
 */
function takeKeyTokens(key: LiveKey, now: number, clock: () => number): Verdict | Promise<Verdict> {
  const { rpm, tpm } = key;
  const again = () => takeKeyTokens(key, clock(), clock);
  if (tpm && tpm.available(now) < 1) {
    return tpm.arriving?.(now)?.then(again) ?? rateLimited("tpm_limit", tpm.msUntil(now));
  }
  if (rpm && !rpm.tryTake(now)) {
    return rpm.arriving?.(now)?.then(again) ?? rateLimited("rpm_limit", rpm.msUntil(now));
  }
  if (!tpm) return undefined;
  return {
    release: (_trace, end, at) => {
      const used = end.usage?.total_tokens ?? 0;
      if (used > 0) tpm.charge(at, used);
    },
  };
}

function rateLimited(limit: "rpm_limit" | "tpm_limit", waitMs: number): Refusal {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new Refusal(
    429,
    "rate_limit_error",
    `This API key is over its ${limit}; retry after ${seconds}s`,
    "key_rate_limited",
    null,
    { "retry-after": String(seconds) },
  );
}

/**
 * The key's budget (docs/keys.md, "Budgets"): the request's worst-case cost
 * is reserved, and refused when spend plus open reservations would pass
 * the budget; the hold replaces the reservation with the real cost when
 * the request ends, whatever its end (a failure costs what the upstream
 * billed, an unpriced request 0). Last, so a request refused earlier
 * reserves nothing; keys without a budget skip it without a look at the
 * cluster.
 */
const budget: AdmissionCheck = ({ deps, key, call, now }) => {
  const ledger = key?.budget;
  const limitUsd = key?.policy.budget_usd;
  const period = key?.policy.budget_period;
  if (!ledger || limitUsd == null || !period) return undefined;
  // Counting tokens produces none and is free: nothing to reserve for it,
  // though a spent budget still refuses it like any request.
  const estimateUsd = call.endpoint === "/messages/count_tokens" ? 0 : worstCaseCost(
    deps.prices,
    { model: call.model, body: call.body },
    deps.registry.candidates(call.model),
  ) ?? 0;
  const decide = (v: BudgetVerdict): Verdict => {
    if (!v.granted) {
      return new Refusal(
        403,
        "insufficient_quota",
        budgetRefusalMessage({ ...v, estimateUsd, limitUsd, period }),
        "budget_exceeded",
      );
    }
    const reservation = v.reservation;
    return {
      release: (trace, _end, at) => ledger.settle(reservation, trace.cost?.cost_usd ?? 0, at),
    };
  };
  const verdict = ledger.reserve(estimateUsd, limitUsd, now);
  return verdict instanceof Promise ? verdict.then(decide) : decide(verdict);
};

/** The checks, in the contract's order (CONTRACT §6). */
export const ADMISSION_CHECKS: readonly AdmissionCheck[] = [
  usable,
  modelAllowed,
  outputBound,
  concurrency,
  rateLimit,
  budget,
];

/** A request let on: what its checks hold, given back once when it ends. */
export class Admitted {
  #holds: Hold[] | undefined;

  constructor(holds: Hold[] | undefined) {
    this.#holds = holds;
  }

  /** Releases every hold, in order; later calls do nothing. */
  release(trace: RequestTrace, end: RequestEnd, now: number): void {
    const holds = this.#holds;
    this.#holds = undefined;
    if (holds) { for (const h of holds) h.release(trace, end, now); }
  }
}

/**
 * Runs the checks in order. The first refusal wins and gives back what the
 * checks before it held; otherwise the request is admitted. Synchronous
 * unless a check must ask the cluster (a budget in Redis mode); then the
 * checks after it wait for its answer.
 */
export function admit(
  deps: AppDeps,
  principal: Principal,
  call: ClientCall,
  trace: RequestTrace,
): Admitted | Refusal | Promise<Admitted | Refusal> {
  const now = trace.started;
  const key = principal.kind === "client" ? principal.key : undefined;
  if (key) noteKeyUse(deps, key, now);
  const req: AdmissionRequest = { deps, key, call, now };
  return runChecks(req, trace, 0, []);
}

function runChecks(
  req: AdmissionRequest,
  trace: RequestTrace,
  from: number,
  holds: Hold[],
): Admitted | Refusal | Promise<Admitted | Refusal> {
  for (let i = from; i < ADMISSION_CHECKS.length; i++) {
    const result = ADMISSION_CHECKS[i]!(req);
    if (result instanceof Promise) {
      return result.then((r) =>
        take(r, holds, trace, req.now) ?? runChecks(req, trace, i + 1, holds)
      );
    }
    const refusal = take(result, holds, trace, req.now);
    if (refusal) return refusal;
  }
  return holds.length > 0 ? new Admitted(holds) : NOTHING_HELD;
}

/** Keeps a pass's hold; on a refusal, gives back what the checks before it held and returns it. */
function take(
  result: Verdict,
  holds: Hold[],
  trace: RequestTrace,
  now: number,
): Refusal | undefined {
  if (result === undefined) return undefined;
  if (!(result instanceof Refusal)) {
    holds.push(result);
    return undefined;
  }
  if (holds.length > 0) {
    new Admitted(holds).release(trace, { status: result.status, outcome: "refused" }, now);
  }
  return result;
}

/** The admission of a request no check holds anything for (the admin token's). */
const NOTHING_HELD = new Admitted(undefined);

/** Notes that `key` was used (refused or not), written behind at most once a minute. */
export function noteKeyUse(deps: Pick<AppDeps, "store">, key: LiveKey, now: number): void {
  if (!key.noteUse(now)) return;
  const { id } = key;
  const iso = isoSeconds(now);
  deps.store.writes.enqueue(() => deps.store.keys.touch(id, iso));
}
