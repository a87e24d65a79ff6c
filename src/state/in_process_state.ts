/**
 * @module in_process_state
 * Live state in this process only: today's behaviour, at no extra cost.
 * Nothing to publish, nothing to hear or catch up with, every probe claim
 * granted (the registry's own claim is the only one), buckets are plain
 * token buckets.
 */
import { TokenBucket } from "../engine/token_bucket.ts";
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
