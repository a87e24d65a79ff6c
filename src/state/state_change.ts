/**
 * @module state_change
 * What one replica tells the others about live state (docs/cluster.md): a
 * scope's new health, a clear, a pause. Only ids, model names, instants and
 * counts: never a key, a secret or a request body.
 */
import type { BackendHealth, CooldownStarted } from "../engine/cooldown.ts";

/** A cooldown scope: the backend's own (`model` absent) or a (backend, upstream model) pair. */
export interface Scope {
  readonly backendId: string;
  /** The upstream model of a pair scope; absent for the backend scope. */
  readonly model?: string;
}

/** A change of live state made by one replica, applied by every other. */
export type StateChange =
  /** A scope's health after an outcome (a cooldown started or lengthened, a probe, a heal). */
  | {
    kind: "health";
    backendId: string;
    model?: string;
    health: BackendHealth;
    /** The cooldown this change started or lengthened, if any: the data of its event. */
    started?: CooldownStarted;
    at: number;
  }
  /** clear-cooldown: both scopes healthy, every count reset. */
  | { kind: "clear"; backendId: string; at: number }
  /** pause: the backend scope out of rotation with no end, until cleared. */
  | { kind: "pause"; backendId: string; at: number };
