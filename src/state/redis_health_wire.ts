/**
 * @module redis_health_wire
 * What cooldown state looks like in Redis (docs/cluster.md, "Cooldowns in
 * Redis"): the fields of a backend's hash, the JSON of one scope, the
 * messages on the changes channel, and how each becomes a
 * {@link StateChange} or a dashboard row again. Everything read from Redis
 * is parsed here, so a value some other writer left is skipped, never
 * trusted.
 */
import { z } from "zod";
import { COOLDOWN_REASONS } from "../engine/cooldown.ts";
import type { SharedScopeRow } from "./shared_state.ts";
import type { StateChange } from "./state_change.ts";

/** The hash field of the backend scope. */
export const BACKEND_FIELD = "@";
const PAIR_FIELD = "m:";

/** The hash field of a scope: `@` for the backend's own, `m:<model>` for a pair. */
export function scopeField(model: string | undefined): string {
  return model === undefined ? BACKEND_FIELD : PAIR_FIELD + model;
}

const Reason = z.enum(COOLDOWN_REASONS);

const HealthState = z.discriminatedUnion("state", [
  z.object({ state: z.literal("healthy") }),
  z.object({ state: z.literal("cooling"), reason: Reason, since: z.number(), until: z.number() }),
  z.object({ state: z.literal("probing"), reason: Reason, probeSince: z.number() }),
  z.object({ state: z.literal("paused"), since: z.number() }),
]);

const BackendHealth = z.object({
  health: HealthState,
  consecutive429: z.number(),
  failures: z.number(),
});

const CooldownStarted = z.object({
  reason: Reason,
  consecutive: z.number(),
  seconds: z.number(),
  since: z.number(),
  until: z.number(),
  extended: z.boolean(),
});

/** One scope in a backend's hash: its health, and the event of the cooldown in force if known. */
const StoredScope = BackendHealth.extend({ started: CooldownStarted.optional() });

const StateChangeSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("health"),
    backendId: z.string(),
    model: z.string().optional(),
    health: BackendHealth,
    started: CooldownStarted.optional(),
    at: z.number(),
  }),
  z.object({ kind: z.literal("clear"), backendId: z.string(), at: z.number() }),
  z.object({ kind: z.literal("pause"), backendId: z.string(), at: z.number() }),
]);

/** A message on `<prefix>changes`: which replica made the change, and the change. */
const ChangeMessage = z.object({ replica: z.string(), change: StateChangeSchema });
export type ChangeMessage = z.infer<typeof ChangeMessage>;

/** A message from the channel, or undefined when it is not one of ours. */
export function parseMessage(text: string): ChangeMessage | undefined {
  return parseJson(ChangeMessage, text);
}

/**
 * The change that tells a registry of one stored scope, as heard at `now`:
 * a paused backend scope is a pause (so its event is recorded as one),
 * anything else the scope's health. Undefined for a field or value that is
 * not a scope.
 */
export function storedChange(
  backendId: string,
  field: string,
  value: string,
  now: number,
): StateChange | undefined {
  const model = fieldModel(field);
  const stored = parseJson(StoredScope, value);
  if (model === null || !stored) return undefined;
  const { started, ...health } = stored;
  if (model === undefined && health.health.state === "paused") {
    return { kind: "pause", backendId, at: health.health.since };
  }
  return {
    kind: "health",
    backendId,
    ...(model === undefined ? {} : { model }),
    health,
    ...(started ? { started } : {}),
    at: now,
  };
}

/** The dashboard's row for one stored scope; undefined when it is not a scope or is healthy. */
export function sharedRow(
  backendId: string,
  field: string,
  value: string,
): SharedScopeRow | undefined {
  const model = fieldModel(field);
  const stored = parseJson(StoredScope, value);
  if (model === null || !stored) return undefined;
  const s = stored.health;
  if (s.state === "healthy") return undefined;
  return {
    backend_id: backendId,
    model: model ?? null,
    state: s.state,
    until: s.state === "cooling" ? s.until : null,
    consecutive_429: stored.consecutive429,
  };
}

/** The model of a pair field, undefined for the backend field, null for a field that is neither. */
function fieldModel(field: string): string | undefined | null {
  if (field === BACKEND_FIELD) return undefined;
  return field.startsWith(PAIR_FIELD) ? field.slice(PAIR_FIELD.length) : null;
}

function parseJson<T>(schema: z.ZodType<T>, text: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
