/**
 * @module in_process_state
 * Live state in this process only: today's behaviour, at no extra cost.
 * Nothing to publish, nothing to hear or catch up with, every probe claim
 * granted (the registry's own claim is the only one), buckets are plain
 * token buckets, budgets plain ledgers whose spend is kept in SQLite.
 */
import { TokenBucket } from "../engine/token_bucket.ts";
import type { BudgetLedger, BudgetWindow } from "./budget_ledger.ts";
import { LocalLedger, type SpendStore, UNSTORED_SPEND } from "./in_process_budget.ts";
import type {
  BucketKey,
  ClusterStatus,
  InFlightSlots,
  LocalBucket,
  ProbeClaim,
  ReplicaInfo,
  SharedScopeRow,
  SharedState,
  SlotKey,
  StateOwner,
} from "./shared_state.ts";
import type { Scope, StateChange } from "./state_change.ts";

/** A counter of this replica's requests in flight. */
class LocalSlots implements InFlightSlots {
  count = 0;
  get clusterCount(): number {
    return this.count;
  }
  acquire(): void {
    this.count++;
  }
  tryAcquire(limit: number): boolean {
    if (this.count >= limit) return false;
    this.count++;
    return true;
  }
  release(): void {
    this.count--;
  }
}

const ALONE: ClusterStatus = { state: "in_process" };

/** {@link SharedState} for one Sidecar on its own. */
export class InProcessState implements SharedState {
  readonly mode: SharedState["mode"] = "in_process";
  readonly #spend: SpendStore;
  readonly #budgets = new Map<string, LocalLedger>();

  /** @param opts.spend Where budgets' spend is kept between runs. @default in memory only */
  constructor(opts: { spend?: SpendStore } = {}) {
    this.#spend = opts.spend ?? UNSTORED_SPEND;
  }

  publish(_change: StateChange): void {}
  attach(_owner: StateOwner): Promise<void> {
    return Promise.resolve();
  }
  claimProbe(_scope: Scope, _now: number): ProbeClaim {
    return true;
  }
  bucket(
    _key: BucketKey,
    capacity: number,
    refillPerSecond: number,
    now: number,
  ): LocalBucket {
    return new TokenBucket(capacity, refillPerSecond, now);
  }
  slots(_key: SlotKey): InFlightSlots {
    return new LocalSlots();
  }
  budget(keyId: string, window: BudgetWindow): BudgetLedger {
    const name = `${keyId}\n${window.period}\n${window.createdAt}`;
    let ledger = this.#budgets.get(name);
    if (!ledger) this.#budgets.set(name, ledger = new LocalLedger(keyId, window, this.#spend));
    return ledger;
  }
  clusterStatus(): ClusterStatus {
    return ALONE;
  }
  checkClusterStatus(): Promise<ClusterStatus> {
    return Promise.resolve(ALONE);
  }
  replicas(): Promise<ReplicaInfo[]> {
    return Promise.resolve([]);
  }
  sharedCooldowns(): Promise<SharedScopeRow[]> {
    return Promise.resolve([]);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
