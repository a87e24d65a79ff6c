/**
 * @module backends
 * Backend administration shared by the JSON API and the dashboard: validate,
 * seal the key, store, reload the routing table. The key never leaves here
 * except sealed; callers see {@link BackendView} with `api_key_hint` only.
 */
import type { AppDeps } from "../app_deps.ts";
import { BadRequestError, ConflictError, NotFoundError } from "../errors.ts";
import { secretHint } from "../secrets/token_hash.ts";
import type { BackendFields } from "../store/backend_repo.ts";
import type { BackendRecord, Managed } from "../store/rows.ts";
import { BackendCreate, BackendPatch, slugify } from "./inputs.ts";
import { reloadRuntime } from "./reload.ts";
import { parseInput } from "./validate.ts";
import { refuseCreate, refuseManaged } from "./managed.ts";
import { isoSeconds } from "../bytes.ts";
import type { StatusRow } from "../engine/status_row.ts";
import type { ResumeMode } from "../engine/resume_mode.ts";
import type { ApiFamily } from "../engine/api_family.ts";
import { normalizeBaseUrl } from "./base_url.ts";

/** A backend as the admin sees it (docs/api.md, "Backends"). */
export interface BackendView {
  id: string;
  name: string;
  /** What it is depends on `api` (admin/base_url.ts). */
  base_url: string;
  api_key_hint: string;
  pool_id: string;
  models: string[];
  model_map: Record<string, string>;
  weight: number;
  rpm_limit: number | null;
  tpm_limit: number | null;
  enabled: boolean;
  resume: ResumeMode;
  /** The API it speaks: `openai` or `anthropic`. */
  api: ApiFamily;
  /** `"file"` when the config file declares it (read-only then), else null. */
  managed: Managed;
  /** Upstream models that refused a continuation since the last edit (read-only). */
  not_resumable_models: string[];
  status: "active" | "cooling" | "disabled";
  /** True while an operator's pause holds it (status `cooling`, no `cooldown_until`). */
  paused: boolean;
  cooldown_until: string | null;
  consecutive_429: number;
  created_at: string;
  updated_at: string;
}

/** Something a save changed in what was sent, for the caller to show beside the field. */
export interface SaveNotice {
  param: string;
  message: string;
}

/** A created or updated backend, with what was changed in the input on the way in. */
export interface SavedBackend {
  backend: BackendView;
  notices: SaveNotice[];
}

/** Lists backends with their live state. */
export function listBackends(deps: AppDeps): BackendView[] {
  const live = liveStatus(deps);
  return deps.store.backends.list().map((r) => toView(deps, r, live.get(r.id)));
}

/** One backend, or 404. */
export function getBackend(deps: AppDeps, id: string): BackendView {
  return toView(deps, mustGet(deps, id), liveStatus(deps).get(id));
}

/** Validates and creates a backend. */
export async function createBackend(deps: AppDeps, body: unknown): Promise<SavedBackend> {
  refuseCreate(deps, "backend");
  const input = parseInput(BackendCreate, body);
  const notices: SaveNotice[] = [];
  const { id: given, api_key, ...rest } = input;
  rest.base_url = storedBaseUrl(rest.api, rest.base_url, notices);
  const duplicate = (id: string) =>
    new ConflictError(`Backend "${id}" already exists`, "id", "duplicate_id");
  // Checked before sealing to answer early; the insert decides, since
  // concurrent creates all pass this check while they await the seal.
  if (given !== undefined && deps.store.backends.get(given)) throw duplicate(given);
  requirePool(deps, input.pool_id);
  let id = given ?? uniqueId(deps, slugify(input.name));
  for (;;) {
    const fields: BackendFields = {
      ...rest,
      // The id is the seal's associated data, so a new id needs a new seal.
      api_key_enc: await deps.box.seal(api_key, id),
      api_key_hint: secretHint(api_key),
    };
    if (deps.store.backends.insert(id, fields, isoSeconds(deps.now()))) break;
    if (given !== undefined) throw duplicate(id);
    id = uniqueId(deps, slugify(input.name));
  }
  await reloadRuntime(deps);
  return { backend: getBackend(deps, id), notices };
}

/**
 * Validates and applies a partial update; an absent `api_key` keeps the key.
 * A new `base_url` or `api` has the base URL checked against the `api` it
 * will have; otherwise the stored one stands as it is.
 * Any edit clears the backend's not-resumable marks: the change may be what
 * makes a continuation work, and one refused request is the price of finding out.
 */
export async function updateBackend(
  deps: AppDeps,
  id: string,
  body: unknown,
): Promise<SavedBackend> {
  const current = mustGet(deps, id);
  refuseManaged(deps.store, `Backend "${id}"`, current.managed);
  const patch = parseInput(BackendPatch, body);
  if (patch.pool_id !== undefined) requirePool(deps, patch.pool_id);
  const { api_key, ...rest } = patch;
  const { id: _id, managed: _m, created_at: _c, updated_at: _u, ...stored } = current;
  const fields: BackendFields = { ...stored };
  for (const [k, v] of Object.entries(rest)) {
    if (v !== undefined) (fields as unknown as Record<string, unknown>)[k] = v;
  }
  const notices: SaveNotice[] = [];
  if (patch.base_url !== undefined || patch.api !== undefined) {
    fields.base_url = storedBaseUrl(fields.api, fields.base_url, notices);
  }
  if (api_key !== undefined) {
    fields.api_key_enc = await deps.box.seal(api_key, id);
    fields.api_key_hint = secretHint(api_key);
  }
  // Marks still queued must land before the clear, or they would come back
  // after it; nothing runs between the flush and the transaction.
  deps.store.writes.flush();
  deps.store.transaction(() => {
    deps.store.backends.update(id, fields, isoSeconds(deps.now()));
    deps.store.resumeMarks.clear(id);
  });
  deps.registry.clearResumeMarks(id);
  await reloadRuntime(deps);
  return { backend: getBackend(deps, id), notices };
}

/** Deletes a backend (its history stays in requests and cooldown events; its marks go). */
export async function deleteBackend(deps: AppDeps, id: string): Promise<void> {
  refuseManaged(deps.store, `Backend "${id}"`, mustGet(deps, id).managed);
  // Stored marks go with the row (ON DELETE CASCADE); queued ones find no backend.
  deps.store.backends.remove(id);
  deps.registry.clearResumeMarks(id);
  await reloadRuntime(deps);
}

/** Ends a backend's cooldown now and resets its counters. */
export function clearBackendCooldown(deps: AppDeps, id: string): BackendView {
  const row = mustGet(deps, id);
  deps.registry.clearCooldown(id, deps.now());
  return toView(deps, row, liveStatus(deps).get(id));
}

/** Takes a backend out of rotation until its cooldown is cleared (docs/cooldowns.md, "Pause"). */
export function pauseBackend(deps: AppDeps, id: string): BackendView {
  const row = mustGet(deps, id);
  deps.registry.pauseBackend(id, deps.now());
  return toView(deps, row, liveStatus(deps).get(id));
}

function liveStatus(deps: AppDeps): Map<string, StatusRow> {
  return new Map(deps.registry.status(deps.now()).map((s) => [s.backend_id, s]));
}

function toView(deps: AppDeps, r: BackendRecord, live: StatusRow | undefined): BackendView {
  const { api_key_enc: _sealed, created_at, updated_at, ...rest } = r;
  return {
    ...rest,
    not_resumable_models: deps.registry.resumeMarks(r.id).map((m) => m.model),
    status: live?.status ?? (r.enabled ? "active" : "disabled"),
    paused: live?.paused ?? false,
    cooldown_until: live?.cooldown_until ?? null,
    consecutive_429: live?.consecutive_429 ?? 0,
    created_at,
    updated_at,
  };
}

function mustGet(deps: AppDeps, id: string): BackendRecord {
  const row = deps.store.backends.get(id);
  if (!row) throw new NotFoundError(`No backend "${id}"`);
  return row;
}

function requirePool(deps: AppDeps, poolId: string): void {
  if (!deps.store.pools.get(poolId)) {
    throw new BadRequestError(`No pool "${poolId}"`, "pool_id", "unknown_pool");
  }
}

/** The base URL to store for `api`, noting a change; a URL that names an endpoint is a 400. */
function storedBaseUrl(api: ApiFamily, url: string, notices: SaveNotice[]): string {
  const result = normalizeBaseUrl(api, url);
  if (!result.ok) {
    throw new BadRequestError(`Invalid "base_url": ${result.message}`, "base_url");
  }
  if (result.note) notices.push({ param: "base_url", message: result.note });
  return result.base_url;
}

function uniqueId(deps: AppDeps, base: string): string {
  let id = base;
  for (let n = 2; deps.store.backends.get(id); n++) id = `${base}-${n}`;
  return id;
}
