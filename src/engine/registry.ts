/**
 * @module registry
 * The routing table in memory: every backend with its opened key, pool
 * priority, health and token buckets. The proxy reads only this (never
 * SQLite); the admin layer calls {@link Registry.load} after each change.
 * Health survives reloads and is written through via `onHealthChange`.
 */
import type { GatewayConfig } from "../gateway_config.ts";
import { type KeyScrubber, keyScrubber } from "../key_scrubber.ts";
import type { Pool } from "../store/rows.ts";
import {
  type AttemptOutcome,
  availability,
  type BackendHealth,
  claim,
  clear,
  type CooldownPolicy,
  type CooldownStarted,
  HEALTHY,
  record,
} from "./cooldown.ts";
import { isExactModel, matchesModel } from "./model_match.ts";
import { TokenBucket } from "./token_bucket.ts";
import { SmoothWeightedRoundRobin } from "./weighted_round_robin.ts";

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
}

/** A backend as the router sees it. */
export interface LiveBackend extends BackendSpec {
  poolPriority: number;
  health: BackendHealth;
  rpm?: TokenBucket;
  tpm?: TokenBucket;
  inFlight: number;
  /** Takes this backend's key out of what its upstream sends back. */
  scrub: KeyScrubber;
}

/** The live status row of CONTRACT §3. */
export interface StatusRow {
  backend_id: string;
  status: "active" | "cooling" | "disabled";
  cooldown_until: string | null;
  consecutive_429: number;
  failures: number;
  rpm_tokens_left: number | null;
  tpm_tokens_left: number | null;
  in_flight: number;
}

/** Result of asking for the next backend to try. */
export type Pick =
  | { kind: "backend"; backend: LiveBackend; probe: boolean }
  /** Nothing usable now; `readyAt` is the earliest instant one could be (Infinity: never). */
  | { kind: "none"; readyAt: number; cooling: number; limited: number };

/** Called when a backend's health changes, so it can be persisted. */
export type HealthListener = (
  backendId: string,
  health: BackendHealth,
  change: { started?: CooldownStarted; cleared?: boolean; now: number },
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

  constructor(config: GatewayConfig, onHealth: HealthListener = () => {}) {
    this.#config = config;
    this.#policy = policyOf(config);
    this.#onHealth = onHealth;
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
   * health, buckets and in-flight count. `health` seeds state on first load.
   */
  load(
    backends: readonly BackendSpec[],
    pools: readonly Pool[],
    now: number,
    health?: ReadonlyMap<string, BackendHealth>,
  ): void {
    const priority = new Map(pools.map((p) => [p.id, p.priority]));
    const next = new Map<string, LiveBackend>();
    for (const spec of backends) {
      const old = this.#backends.get(spec.id);
      const fields = {
        ...spec,
        poolPriority: priority.get(spec.pool_id) ?? Number.MAX_SAFE_INTEGER,
        rpm: bucket(old?.rpm, spec.rpm_limit, now),
        tpm: bucket(old?.tpm, spec.tpm_limit, now),
        scrub: old && old.api_key === spec.api_key ? old.scrub : keyScrubber(spec.api_key),
      };
      // Requests in flight hold the object: update it in place so their
      // in-flight and health bookkeeping lands on the live entry.
      next.set(
        spec.id,
        old
          ? Object.assign(old, fields)
          : { ...fields, health: health?.get(spec.id) ?? HEALTHY, inFlight: 0 },
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
   * weighted round-robin inside a pool, skipping `exclude`, cooling backends
   * and empty buckets. Claims it (takes an rpm token, marks a probe).
   */
  pick(model: string, now: number, exclude: ReadonlySet<string> = NONE): Pick {
    const policy = this.#policy;
    let readyAt = Infinity;
    let cooling = 0;
    let limited = 0;
    // Candidates come sorted by pool, so each pool is one run of the list.
    const list = this.candidates(model);
    for (let start = 0, end = 0; start < list.length; start = end) {
      const poolId = list[start]!.pool_id;
      while (end < list.length && list[end]!.pool_id === poolId) end++;
      const usable: LiveBackend[] = [];
      for (let i = start; i < end; i++) {
        const b = list[i]!;
        if (exclude.has(b.id)) continue;
        const a = availability(b.health, now, policy);
        if (!a.usable) {
          cooling++;
          readyAt = Math.min(readyAt, a.readyAt);
          continue;
        }
        const wait = Math.max(b.rpm?.msUntil(now) ?? 0, b.tpm?.msUntil(now) ?? 0);
        if (wait > 0) {
          limited++;
          readyAt = Math.min(readyAt, now + wait);
          continue;
        }
        usable.push(b);
      }
      if (usable.length === 0 || !this.#poolIds.has(poolId)) continue;
      const id = this.#roundRobin(poolId).pick(usable);
      const chosen = usable.find((b) => b.id === id);
      if (!chosen) continue;
      const probe = chosen.health.health.state !== "healthy";
      chosen.rpm?.tryTake(now);
      chosen.health = claim(chosen.health, now, policy);
      return { kind: "backend", backend: chosen, probe };
    }
    return { kind: "none", readyAt, cooling, limited };
  }

  /**
   * When the earliest candidate for `model` (outside `exclude`) is usable
   * again, without claiming anything: `now` if one is usable now, Infinity
   * if none ever will be.
   */
  readyAt(model: string, now: number, exclude: ReadonlySet<string> = NONE): number {
    const policy = this.#policy;
    let earliest = Infinity;
    for (const b of this.candidates(model)) {
      if (exclude.has(b.id)) continue;
      const a = availability(b.health, now, policy);
      const bucketWait = Math.max(b.rpm?.msUntil(now) ?? 0, b.tpm?.msUntil(now) ?? 0);
      earliest = Math.min(earliest, Math.max(a.usable ? now : a.readyAt, now + bucketWait));
    }
    return earliest;
  }

  /** Applies an attempt's outcome to the backend's health. */
  report(id: string, outcome: AttemptOutcome, now: number): void {
    const b = this.#backends.get(id);
    if (!b) return;
    const before = b.health;
    const { next, cooldown } = record(before, outcome, now, this.#policy);
    b.health = next;
    if (next !== before) this.#onHealth(id, next, cooldown ? { started: cooldown, now } : { now });
  }

  /** Charges real token usage to the backend's TPM bucket. */
  chargeTokens(id: string, tokens: number, now: number): void {
    if (tokens > 0) this.#backends.get(id)?.tpm?.charge(now, tokens);
  }

  /** Manual clear from the admin: healthy, counters reset. */
  clearCooldown(id: string, now: number): boolean {
    const b = this.#backends.get(id);
    if (!b) return false;
    b.health = clear(b.health);
    this.#onHealth(id, b.health, { cleared: true, now });
    return true;
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

  /** Live status of every backend (CONTRACT §3 status row). */
  status(now: number): StatusRow[] {
    const policy = this.#policy;
    return [...this.#backends.values()].map((b) => {
      const a = availability(b.health, now, policy);
      const until = b.health.health.state === "cooling" ? b.health.health.until : null;
      return {
        backend_id: b.id,
        status: !b.enabled ? "disabled" : a.usable ? "active" : "cooling",
        cooldown_until: until !== null && until > now ? new Date(until).toISOString() : null,
        consecutive_429: b.health.consecutive429,
        failures: b.health.failures,
        rpm_tokens_left: b.rpm ? Math.max(0, Math.floor(b.rpm.available(now))) : null,
        tpm_tokens_left: b.tpm ? Math.max(0, Math.floor(b.tpm.available(now))) : null,
        in_flight: b.inFlight,
      };
    });
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

function bucket(old: TokenBucket | undefined, limit: number | null, now: number) {
  if (limit === null) return undefined;
  if (old) {
    old.reconfigure(limit, limit / 60, now);
    return old;
  }
  return new TokenBucket(limit, limit / 60, now);
}
