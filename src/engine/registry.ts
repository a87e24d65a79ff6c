/**
 * @module registry
 * The routing table in memory: every backend with its opened key, pool
 * priority, health and token buckets. The proxy reads only this (never
 * SQLite); the admin layer calls {@link Registry.load} after each change.
 * Health survives reloads and is written through via `onHealthChange`.
 *
 * Health has two scopes (see cooldown.ts): the backend's own, and one per
 * (backend, upstream model) pair for rate limits. A backend is skipped for a
 * requested model when either its own scope or that model's pair is cooling.
 *
 * What may be shared with other replicas goes through a {@link SharedState}
 * (docs/cluster.md): the registry's own state is the local copy, changes made
 * here are published, changes made elsewhere arrive through
 * {@link Registry.applyRemote}. In process every call it makes is synchronous.
 */
import type { GatewayConfig } from "../gateway_config.ts";
import { type KeyScrubber, keyScrubber } from "../key_scrubber.ts";
import { InProcessState } from "../state/in_process_state.ts";
import type {
  BucketKey,
  InFlightSlots,
  LocalBucket,
  ProbeClaim,
  SharedState,
} from "../state/shared_state.ts";
import type { StateChange } from "../state/state_change.ts";
import {
  adopt,
  type AttemptOutcome,
  availability,
  type BackendHealth,
  claim,
  clear,
  type CooldownPolicy,
  type CooldownStarted,
  HEALTHY,
  isPristine,
  pause,
  record,
  type ScopedHealth,
  scopedOutcomes,
} from "./cooldown.ts";
import { isExactModel, matchesModel, upstreamModel } from "./model_match.ts";
import { type ResumeMark, type ResumeMarkListener, ResumeMarks } from "./resume_marks.ts";
import type { ResumeMode } from "./resume_mode.ts";
import type { ApiFamily } from "./api_family.ts";
import type { PriceEntry } from "../pricing/price_entry.ts";
import { type StatusRow, statusRow } from "./status_row.ts";
import { SmoothWeightedRoundRobin } from "./weighted_round_robin.ts";

/** What the registry needs to know of a pool; a stored pool row is one. */
export interface PoolSpec {
  id: string;
  /** Lower is tried first. */
  priority: number;
}

/** What the registry needs to know of a backend. */
export interface BackendSpec {
  id: string;
  name: string;
  base_url: string;
  api_key: string;
  pool_id: string;
  models: string[];
  model_map: Record<string, string>;
  weight: number;
  rpm_limit: number | null;
  tpm_limit: number | null;
  enabled: boolean;
  /** How a broken chat stream may be continued on this backend. */
  resume: ResumeMode;
  /** Its own prices, which win over the price table for it (pricing/price_book.ts). */
  prices: readonly PriceEntry[];
  /** The API it speaks; what `base_url` is follows from it (admin/base_url.ts). */
  api: ApiFamily;
}

/** A backend as the router sees it. */
export interface LiveBackend extends BackendSpec {
  poolPriority: number;
  /** The backend scope: quota, auth and errors cooldowns. */
  health: BackendHealth;
  /**
   * The pair scopes by upstream model: rate-limit cooldowns. Only pairs that
   * are not healthy have an entry; one is dropped when it heals.
   */
  modelHealth: Map<string, BackendHealth>;
  rpm?: LocalBucket;
  tpm?: LocalBucket;
  /** Requests in flight on this backend. */
  slots: InFlightSlots;
  /** Takes this backend's key out of what its upstream sends back. */
  scrub: KeyScrubber;
}

/** Result of asking for the next backend to try. */
export type Pick =
  | {
    kind: "backend";
    backend: LiveBackend;
    /** The model the backend is asked for: report outcomes with it. */
    upstreamModel: string;
    /** True when this attempt probes a scope (the backend's, its model's or both) after a cooldown. */
    probe: boolean;
    /**
     * When the cluster decides who probes (docs/cluster.md, "The one
     * probe"): whether this attempt won. Absent when the claim was granted
     * here, as it always is in process.
     */
    probeClaim?: Promise<boolean>;
  }
  /**
   * Nothing usable now; `readyAt` is the earliest instant one could be
   * (Infinity: never). `arriving`: a backend held back only by tokens on
   * their way from the cluster (see {@link LocalBucket.arriving}), usable
   * once that settles.
   */
  | {
    kind: "none";
    readyAt: number;
    cooling: number;
    limited: number;
    arriving?: Promise<void>;
  };

/**
 * Called when a scope's health changes, so it can be persisted: `model` names
 * the pair scope, and is absent for the backend scope. A pair that healed is
 * reported once with {@linkcode HEALTHY} (it is no longer kept).
 */
export type HealthListener = (
  backendId: string,
  health: BackendHealth,
  change: {
    started?: CooldownStarted;
    cleared?: boolean;
    now: number;
    model?: string;
    /** The change was made by another replica (docs/cluster.md). */
    remote?: boolean;
  },
) => void;

/** The in-memory routing table. */
export class Registry {
  #backends = new Map<string, LiveBackend>();
  /** Pools that exist: a backend left in a deleted pool is never picked. */
  #poolIds = new Set<string>();
  #rr = new Map<string, SmoothWeightedRoundRobin>();
  // Candidate lists per requested model, valid until the next load().
  // Insertion-ordered, so the oldest entry is the first key.
  #candidates = new Map<string, LiveBackend[]>();
  #config: GatewayConfig;
  #policy: CooldownPolicy;
  readonly #onHealth: HealthListener;
  readonly #resumeMarks: ResumeMarks;
  readonly #shared: SharedState;

  /** @param shared Where live state is shared. @default new InProcessState() */
  constructor(
    config: GatewayConfig,
    onHealth: HealthListener = () => {},
    onResumeMark: ResumeMarkListener = () => {},
    shared: SharedState = new InProcessState(),
  ) {
    this.#config = config;
    this.#policy = policyOf(config);
    this.#onHealth = onHealth;
    this.#resumeMarks = new ResumeMarks(onResumeMark);
    this.#shared = shared;
  }

  /** Where live state lives. */
  get sharedState(): SharedState {
    return this.#shared;
  }

  /** The gateway config in force. */
  get config(): GatewayConfig {
    return this.#config;
  }

  /** Replaces the config (after `PATCH /api/config`). */
  setConfig(config: GatewayConfig): void {
    this.#config = config;
    this.#policy = policyOf(config);
  }

  /** The cooldown policy derived from the config. */
  get policy(): CooldownPolicy {
    return this.#policy;
  }

  /**
   * Rebuilds the table from stored rows, keeping each surviving backend's
   * health, buckets and in-flight count. `health` seeds state on first load,
   * both scopes (a plain {@linkcode BackendHealth} seeds the backend scope only).
   */
  load(
    backends: readonly BackendSpec[],
    pools: readonly PoolSpec[],
    now: number,
    health?: ReadonlyMap<string, ScopedHealth>,
  ): void {
    const priority = new Map(pools.map((p) => [p.id, p.priority]));
    const next = new Map<string, LiveBackend>();
    for (const spec of backends) {
      const old = this.#backends.get(spec.id);
      const fields = {
        ...spec,
        poolPriority: priority.get(spec.pool_id) ?? Number.MAX_SAFE_INTEGER,
        rpm: this.#bucket(
          old?.rpm,
          { owner: "backend", id: spec.id, limit: "rpm" },
          spec.rpm_limit,
          now,
        ),
        tpm: this.#bucket(
          old?.tpm,
          { owner: "backend", id: spec.id, limit: "tpm" },
          spec.tpm_limit,
          now,
        ),
        scrub: old && old.api_key === spec.api_key ? old.scrub : keyScrubber(spec.api_key),
      };
      // Requests in flight hold the object: update it in place so their
      // in-flight and health bookkeeping lands on the live entry.
      next.set(
        spec.id,
        old ? Object.assign(old, fields) : {
          ...fields,
          ...seeded(health?.get(spec.id)),
          slots: this.#shared.slots({ owner: "backend", id: spec.id }),
        },
      );
    }
    for (const id of this.#backends.keys()) {
      if (!next.has(id)) { for (const rr of this.#rr.values()) rr.forget(id); }
    }
    this.#backends = next;
    this.#candidates.clear();
    this.#poolIds = new Set(pools.map((p) => p.id));
  }

  /** How many requested model names have a cached candidate list. */
  get cachedModels(): number {
    return this.#candidates.size;
  }

  /** A backend by id. */
  get(id: string): LiveBackend | undefined {
    return this.#backends.get(id);
  }

  /** Enabled backends serving `model`, in pool priority order. */
  candidates(model: string): readonly LiveBackend[] {
    const cached = this.#candidates.get(model);
    if (cached) return cached;
    const out: LiveBackend[] = [];
    for (const b of this.#backends.values()) {
      if (b.enabled && matchesModel(b.models, model)) out.push(b);
    }
    out.sort((a, b) =>
      a.poolPriority - b.poolPriority || a.pool_id.localeCompare(b.pool_id) ||
      a.id.localeCompare(b.id)
    );
    // Client-chosen names must not grow memory: a name nothing serves is not
    // kept (its request ends at once), and a glob's many names evict the
    // oldest one rather than flushing every hot entry at a threshold.
    if (out.length === 0) return NO_CANDIDATES;
    if (this.#candidates.size >= MAX_CACHED_MODELS) {
      this.#candidates.delete(this.#candidates.keys().next().value!);
    }
    this.#candidates.set(model, out);
    return out;
  }

  /**
   * The next backend to try for `model`: pools in priority order, smooth
   * weighted round-robin inside a pool, skipping `exclude`, backends cooling
   * for this model (in either scope) and empty buckets. Claims it (takes an
   * rpm token, marks a probe on each scope that is due one).
   */
  pick(model: string, now: number, exclude: ReadonlySet<string> = NONE): Pick {
    const policy = this.#policy;
    let readyAt = Infinity;
    let cooling = 0;
    let limited = 0;
    let arriving: Promise<void> | undefined;
    // Candidates come sorted by pool, so each pool is one run of the list.
    const list = this.candidates(model);
    for (let start = 0, end = 0; start < list.length; start = end) {
      const poolId = list[start]!.pool_id;
      while (end < list.length && list[end]!.pool_id === poolId) end++;
      const usable: LiveBackend[] = [];
      for (let i = start; i < end; i++) {
        const b = list[i]!;
        if (exclude.has(b.id)) continue;
        const until = usableAt(b, model, now, policy);
        if (until > now) {
          cooling++;
          readyAt = Math.min(readyAt, until);
          continue;
        }
        const wait = Math.max(b.rpm?.msUntil(now) ?? 0, b.tpm?.msUntil(now) ?? 0);
        if (wait > 0) {
          limited++;
          readyAt = Math.min(readyAt, now + wait);
          arriving ??= tokensArriving(b, now);
          continue;
        }
        usable.push(b);
      }
      if (usable.length === 0 || !this.#poolIds.has(poolId)) continue;
      const id = this.#roundRobin(poolId).pick(usable);
      const chosen = usable.find((b) => b.id === id);
      if (!chosen) continue;
      const upstream = upstreamModel(chosen.model_map, model);
      const pair = chosen.modelHealth.get(upstream);
      const probe = chosen.health.health.state !== "healthy" || pair !== undefined;
      chosen.rpm?.tryTake(now);
      chosen.health = claim(chosen.health, now, policy);
      if (pair) chosen.modelHealth.set(upstream, claim(pair, now, policy));
      if (!probe) return { kind: "backend", backend: chosen, upstreamModel: upstream, probe };
      const claimed = this.#claimProbe(chosen, upstream, pair !== undefined, now);
      return claimed === true
        ? { kind: "backend", backend: chosen, upstreamModel: upstream, probe }
        : { kind: "backend", backend: chosen, upstreamModel: upstream, probe, probeClaim: claimed };
    }
    return arriving
      ? { kind: "none", readyAt, cooling, limited, arriving }
      : { kind: "none", readyAt, cooling, limited };
  }

  /**
   * When the earliest candidate for `model` (outside `exclude`) is usable
   * again, in both scopes, without claiming anything: `now` if one is usable
   * now, Infinity if none ever will be.
   */
  readyAt(model: string, now: number, exclude: ReadonlySet<string> = NONE): number {
    const policy = this.#policy;
    let earliest = Infinity;
    for (const b of this.candidates(model)) {
      if (exclude.has(b.id)) continue;
      const bucketWait = Math.max(b.rpm?.msUntil(now) ?? 0, b.tpm?.msUntil(now) ?? 0);
      earliest = Math.min(earliest, Math.max(usableAt(b, model, now, policy), now + bucketWait));
    }
    return earliest;
  }

  /**
   * Applies an attempt's outcome. With `upstreamModel` (the pick's), a rate
   * limit cools only that (backend, model) pair and the other outcomes are
   * split between the scopes by `scopedOutcomes`; without it the whole
   * backend takes the outcome, 429s included.
   */
  report(id: string, outcome: AttemptOutcome, now: number, upstreamModel?: string): void {
    const b = this.#backends.get(id);
    if (!b) return;
    if (upstreamModel === undefined) {
      this.#record(b, outcome, now);
      return;
    }
    const split = scopedOutcomes(outcome);
    this.#record(b, split.backend, now);
    this.#recordModel(b, upstreamModel, split.model, now);
  }

  #record(b: LiveBackend, outcome: AttemptOutcome, now: number): void {
    const before = b.health;
    const { next, cooldown } = record(before, outcome, now, this.#policy);
    b.health = next;
    if (next !== before) {
      this.#onHealth(b.id, next, cooldown ? { started: cooldown, now } : { now });
      this.#shared.publish(healthChange(b.id, undefined, next, cooldown, now));
    }
  }

  #recordModel(b: LiveBackend, model: string, outcome: AttemptOutcome, now: number): void {
    const before = b.modelHealth.get(model);
    // A pair with no entry is healthy, and only a rate limit changes that.
    if (!before && outcome.kind !== "rate_limited") return;
    const { next, cooldown } = record(before ?? HEALTHY, outcome, now, this.#policy);
    if (next === before) return;
    this.#setPair(b, model, next, now);
    this.#onHealth(b.id, next, cooldown ? { started: cooldown, now, model } : { now, model });
    this.#shared.publish(healthChange(b.id, model, next, cooldown, now));
  }

  /** Stores a pair's health, keeping only pairs that are not pristine, at most {@link MAX_MODELS_COOLING}. */
  #setPair(b: LiveBackend, model: string, next: BackendHealth, now: number): void {
    if (isPristine(next)) {
      b.modelHealth.delete(model);
      return;
    }
    if (!b.modelHealth.has(model) && b.modelHealth.size >= MAX_MODELS_COOLING) {
      // Client-chosen names behind a `*` glob must not grow memory: the
      // oldest entry goes (its model is then treated as healthy).
      const oldest = b.modelHealth.keys().next().value!;
      b.modelHealth.delete(oldest);
      this.#onHealth(b.id, HEALTHY, { now, model: oldest });
    }
    b.modelHealth.set(model, next);
  }

  /**
   * Asks the cluster for the probe of the scopes `b` is probing for
   * `upstream`: the backend's own when it is not healthy, the pair's when
   * `pair`. One claim per scope; the attempt goes only if every one is won.
   */
  #claimProbe(b: LiveBackend, upstream: string, pair: boolean, now: number): ProbeClaim {
    const own = b.health.health.state === "healthy"
      ? true
      : this.#shared.claimProbe({ backendId: b.id }, now);
    const model = pair ? this.#shared.claimProbe({ backendId: b.id, model: upstream }, now) : true;
    if (own === true && model === true) return true;
    return Promise.all([own, model]).then(([a, m]) => a && m);
  }

  /**
   * Applies a change made by another replica (docs/cluster.md, "Applying a
   * change from elsewhere"): persisted like a local one, never published
   * again. A change for a backend this replica does not know is ignored.
   */
  applyRemote(change: StateChange, now: number): void {
    const b = this.#backends.get(change.backendId);
    if (!b) return;
    if (change.kind === "clear") {
      this.#clear(b, now, true);
      return;
    }
    if (change.kind === "pause") {
      this.#pause(b, now, true);
      return;
    }
    const model = change.model;
    const before = model === undefined ? b.health : b.modelHealth.get(model) ?? HEALTHY;
    const next = adopt(before, change.health, now);
    if (next === before) return;
    if (model === undefined) b.health = next;
    else this.#setPair(b, model, next, now);
    // The event is the remote's only when its cooldown is the one now in force.
    const started = next.health === change.health.health ? change.started : undefined;
    this.#onHealth(b.id, next, { ...(started ? { started } : {}), now, model, remote: true });
  }

  /**
   * This replica's scopes that are not healthy (cooling, probing, paused),
   * as the changes that would tell another replica of them: what a shared
   * state merges into the cluster when its link (re)opens (docs/cluster.md,
   * "Reconciliation"). A pause is a pause; the rest carry no event data,
   * which lives in SQLite. Failures below the threshold are not included:
   * they stay each replica's own count.
   */
  liveScopes(now: number): StateChange[] {
    const out: StateChange[] = [];
    for (const b of this.#backends.values()) {
      const own = b.health.health;
      if (own.state === "paused") out.push({ kind: "pause", backendId: b.id, at: own.since });
      else if (own.state !== "healthy") {
        out.push(healthChange(b.id, undefined, b.health, undefined, now));
      }
      for (const [model, h] of b.modelHealth) {
        if (h.health.state !== "healthy") out.push(healthChange(b.id, model, h, undefined, now));
      }
    }
    return out;
  }

  /** Charges real token usage to the backend's TPM bucket. */
  chargeTokens(id: string, tokens: number, now: number): void {
    if (tokens > 0) this.#backends.get(id)?.tpm?.charge(now, tokens);
  }

  /** Manual clear from the admin: both scopes (every model) healthy, counters reset, on every replica. */
  clearCooldown(id: string, now: number): boolean {
    const b = this.#backends.get(id);
    if (!b) return false;
    this.#clear(b, now, false);
    this.#shared.publish({ kind: "clear", backendId: id, at: now });
    return true;
  }

  /**
   * Manual pause from the admin: the backend scope out of rotation with no
   * end until {@linkcode clearCooldown}, on every replica. Pausing a paused
   * backend changes nothing.
   */
  pauseBackend(id: string, now: number): boolean {
    const b = this.#backends.get(id);
    if (!b) return false;
    if (this.#pause(b, now, false)) this.#shared.publish({ kind: "pause", backendId: id, at: now });
    return true;
  }

  /** Pauses `b`; false when it already was. */
  #pause(b: LiveBackend, now: number, remote: boolean): boolean {
    const { next, cooldown } = pause(b.health, now);
    if (!cooldown) return false;
    b.health = next;
    this.#onHealth(
      b.id,
      next,
      remote ? { started: cooldown, now, remote } : { started: cooldown, now },
    );
    return true;
  }

  #clear(b: LiveBackend, now: number, remote: boolean): void {
    const flags = remote ? { cleared: true, now, remote } : { cleared: true, now };
    b.health = clear(b.health);
    this.#onHealth(b.id, b.health, flags);
    for (const model of b.modelHealth.keys()) {
      this.#onHealth(b.id, HEALTHY, { ...flags, model });
    }
    b.modelHealth.clear();
  }

  /**
   * Whether a broken stream of `upstreamModel` on `backend` may be
   * continued: its `resume` is not `off` and the model has not refused a
   * continuation since the backend was last edited.
   */
  resumable(backend: LiveBackend, upstreamModel: string): boolean {
    return backend.resume !== "off" && !this.#resumeMarks.has(backend.id, upstreamModel);
  }

  /**
   * Records that `backendId` refused a continuation of `upstreamModel` (a
   * 400 to the prefilled request), so it is not tried again for that model;
   * the listener persists it. An unknown backend (deleted meanwhile) is ignored.
   */
  markNotResumable(backendId: string, upstreamModel: string, now: number): void {
    if (this.#backends.has(backendId)) this.#resumeMarks.mark(backendId, upstreamModel, now);
  }

  /** The backend's not-resumable marks, by model name. */
  resumeMarks(backendId: string): ResumeMark[] {
    return this.#resumeMarks.of(backendId);
  }

  /** Seeds the marks stored before a restart. */
  loadResumeMarks(marks: Iterable<ResumeMark>): void {
    this.#resumeMarks.load(marks);
  }

  /**
   * Forgets the backend's marks after an admin edit or delete. Memory only:
   * the admin layer removes the stored rows in the edit's own transaction.
   */
  clearResumeMarks(backendId: string): void {
    this.#resumeMarks.clear(backendId);
  }

  /** Exact model names served by enabled backends (patterns are not listed). */
  models(): { id: string; owned_by: string }[] {
    const seen = new Map<string, string>();
    for (const b of this.#backends.values()) {
      if (!b.enabled) continue;
      for (const m of b.models) if (isExactModel(m) && !seen.has(m)) seen.set(m, b.pool_id);
    }
    return [...seen].sort(([a], [b]) => a.localeCompare(b)).map(([id]) => ({
      id,
      owned_by: "sidecar",
    }));
  }

  /** Live status of every backend, with its models that are cooling. */
  status(now: number): StatusRow[] {
    const policy = this.#policy;
    return [...this.#backends.values()].map((b) => statusRow(b, now, policy));
  }

  /** The bucket for a limit: the old one reconfigured, a new full one, or none. */
  #bucket(
    old: LocalBucket | undefined,
    key: BucketKey,
    limit: number | null,
    now: number,
  ): LocalBucket | undefined {
    if (limit === null) return undefined;
    if (old) {
      old.reconfigure(limit, limit / 60, now);
      return old;
    }
    return this.#shared.bucket(key, limit, limit / 60, now);
  }

  #roundRobin(poolId: string): SmoothWeightedRoundRobin {
    let rr = this.#rr.get(poolId);
    if (!rr) this.#rr.set(poolId, rr = new SmoothWeightedRoundRobin());
    return rr;
  }
}

const NONE: ReadonlySet<string> = new Set();
const NO_CANDIDATES: readonly LiveBackend[] = Object.freeze([]);
/** Candidate lists kept; far more than the model names a deployment serves. */
const MAX_CACHED_MODELS = 1024;
/** Pair scopes kept per backend; far more than the models one key is limited on. */
export const MAX_MODELS_COOLING = 256;

/** A new live backend's health in both scopes, from what was stored. */
function seeded(
  h: ScopedHealth | undefined,
): { health: BackendHealth; modelHealth: Map<string, BackendHealth> } {
  if (!h) return { health: HEALTHY, modelHealth: new Map() };
  const { models, ...own } = h;
  return { health: own, modelHealth: new Map(models) };
}

/**
 * When `b` may take `model` (its backend scope and that model's pair both
 * usable): `now` or earlier when it may now, else the later of the two ends.
 */
function usableAt(b: LiveBackend, model: string, now: number, policy: CooldownPolicy): number {
  const a = availability(b.health, now, policy);
  let at = a.usable ? now : a.readyAt;
  // Most backends have no cooling pair: skip the model_map lookup.
  if (b.modelHealth.size === 0) return at;
  const pair = b.modelHealth.get(upstreamModel(b.model_map, model));
  if (pair) {
    const p = availability(pair, now, policy);
    if (!p.usable) at = Math.max(at, p.readyAt);
  }
  return at;
}

/**
 * The tokens `b`'s buckets are waiting for from the cluster, when every
 * bucket that holds it back has them on their way; else undefined.
 */
function tokensArriving(b: LiveBackend, now: number): Promise<void> | undefined {
  const rpm = b.rpm && b.rpm.msUntil(now) > 0 ? b.rpm.arriving?.(now) : null;
  const tpm = b.tpm && b.tpm.msUntil(now) > 0 ? b.tpm.arriving?.(now) : null;
  if (rpm === undefined || tpm === undefined) return undefined;
  if (rpm && tpm) return Promise.all([rpm, tpm]).then(() => {});
  return rpm ?? tpm ?? undefined;
}

function policyOf(c: GatewayConfig): CooldownPolicy {
  return {
    baseSeconds: c.cooldown_base_seconds,
    maxSeconds: c.cooldown_max_seconds,
    exponential: c.cooldown_exponential_backoff,
    precheckSeconds: c.cooldown_precheck_threshold_seconds,
    quotaSeconds: c.quota_cooldown_seconds,
    failureThreshold: c.failure_threshold,
    errorCooldownSeconds: c.error_cooldown_seconds,
    // A probe that never reports back frees the backend after one attempt's time.
    probeTimeoutMs: c.attempt_timeout_ms,
  };
}

/** A scope's health change as published. */
function healthChange(
  backendId: string,
  model: string | undefined,
  health: BackendHealth,
  started: CooldownStarted | undefined,
  at: number,
): StateChange {
  return {
    kind: "health",
    backendId,
    ...(model === undefined ? {} : { model }),
    health,
    ...(started ? { started } : {}),
    at,
  };
}
