/**
 * @module pools
 * Pool administration shared by the JSON API and the dashboard.
 */
import type { AppDeps } from "../app_deps.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { Pool } from "../store/rows.ts";
import { PoolCreate, PoolPatch, slugify } from "./inputs.ts";
import { reloadRuntime } from "./reload.ts";
import { parseInput } from "./validate.ts";
import { refuseCreate, refuseManaged } from "./managed.ts";
import { isoSeconds } from "../bytes.ts";

/** A pool with how many backends it holds. */
export type PoolView = Pool & { backend_count: number };

/** Pools in priority order. */
export function listPools(deps: AppDeps): PoolView[] {
  return deps.store.pools.list().map((p) => view(deps, p));
}

/** One pool, or 404. */
export function getPool(deps: AppDeps, id: string): PoolView {
  return view(deps, mustGet(deps, id));
}

/** Validates and creates a pool. */
export async function createPool(deps: AppDeps, body: unknown): Promise<PoolView> {
  refuseCreate(deps, "pool");
  const input = parseInput(PoolCreate, body);
  const id = input.id ?? slugify(input.name);
  const fields = { name: input.name, priority: input.priority };
  if (!deps.store.pools.insert(id, fields, isoSeconds(deps.now()))) {
    throw new ConflictError(`Pool "${id}" already exists`, "id", "duplicate_id");
  }
  await reloadRuntime(deps);
  return getPool(deps, id);
}

/** Validates and applies a partial update. */
export async function updatePool(deps: AppDeps, id: string, body: unknown): Promise<PoolView> {
  const current = mustGet(deps, id);
  refuseManaged(deps.store, `Pool "${id}"`, current.managed);
  const patch = parseInput(PoolPatch, body);
  deps.store.pools.update(id, {
    name: patch.name ?? current.name,
    priority: patch.priority ?? current.priority,
  }, isoSeconds(deps.now()));
  await reloadRuntime(deps);
  return getPool(deps, id);
}

/** Deletes an empty pool; a pool with backends is a 409. */
export async function deletePool(deps: AppDeps, id: string): Promise<void> {
  refuseManaged(deps.store, `Pool "${id}"`, mustGet(deps, id).managed);
  const n = deps.store.pools.memberCount(id);
  if (n > 0) {
    throw new ConflictError(
      `Pool "${id}" still holds ${n} backend(s); move or delete them first`,
      null,
      "pool_not_empty",
    );
  }
  deps.store.pools.remove(id);
  await reloadRuntime(deps);
}

function view(deps: AppDeps, p: Pool): PoolView {
  return { ...p, backend_count: deps.store.pools.memberCount(p.id) };
}

function mustGet(deps: AppDeps, id: string): Pool {
  const p = deps.store.pools.get(id);
  if (!p) throw new NotFoundError(`No pool "${id}"`);
  return p;
}
