/**
 * @module admin_api
 * The admin JSON API (docs/api.md): thin routes over the admin operations.
 * Lists are `{"data":[...]}`, single objects `{"data":{...}}`.
 */
import { Hono } from "hono";
import {
  clearBackendCooldown,
  createBackend,
  deleteBackend,
  getBackend,
  listBackends,
  pauseBackend,
  type SavedBackend,
  updateBackend,
} from "../../admin/backends.ts";
import {
  createKey,
  deleteKey,
  getKey,
  listKeys,
  rotateKey,
  updateKey,
} from "../../admin/client_keys.ts";
import { getConfig, getConfigFileInfo, patchConfig } from "../../admin/gateway_settings.ts";
import { createPool, deletePool, getPool, listPools, updatePool } from "../../admin/pools.ts";
import { listPrices, replacePrices } from "../../admin/prices.ts";
import type { AppDeps } from "../../app_deps.ts";
import { durableWrites } from "../durable_writes.ts";
import { readJsonBody } from "../json_body.ts";
import { observabilityRoutes } from "./observability_api.ts";
import { requireAdmin } from "./require_admin.ts";

/** Admin bodies are small; this cap is independent of the proxy's max_body_bytes. */
const ADMIN_BODY_LIMIT = 1024 * 1024;

/**
 * A saved backend's answer: `notices` beside `data` only when the save
 * changed what was sent, such as a base URL cut to its root (docs/api.md).
 */
function savedBody({ backend, notices }: SavedBackend) {
  return notices.length > 0 ? { data: backend, notices } : { data: backend };
}

/** Builds the `/api` sub-app. */
export function adminApi(deps: AppDeps): Hono {
  const api = new Hono();
  const body = (req: Request) => readJsonBody(req, ADMIN_BODY_LIMIT);
  api.use("*", requireAdmin(deps), durableWrites(deps.store));

  api.get("/pools", (c) => c.json({ data: listPools(deps) }));
  api.post(
    "/pools",
    async (c) => c.json({ data: await createPool(deps, await body(c.req.raw)) }, 201),
  );
  api.get("/pools/:id", (c) => c.json({ data: getPool(deps, c.req.param("id")) }));
  api.patch(
    "/pools/:id",
    async (c) => c.json({ data: await updatePool(deps, c.req.param("id"), await body(c.req.raw)) }),
  );
  api.delete("/pools/:id", async (c) => {
    await deletePool(deps, c.req.param("id"));
    return c.body(null, 204);
  });

  api.get("/backends", (c) => c.json({ data: listBackends(deps) }));
  api.post("/backends", async (c) => {
    const saved = await createBackend(deps, await body(c.req.raw));
    return c.json(savedBody(saved), 201);
  });
  api.get("/backends/:id", (c) => c.json({ data: getBackend(deps, c.req.param("id")) }));
  api.patch("/backends/:id", async (c) => {
    const saved = await updateBackend(deps, c.req.param("id"), await body(c.req.raw));
    return c.json(savedBody(saved));
  });
  api.delete("/backends/:id", async (c) => {
    await deleteBackend(deps, c.req.param("id"));
    return c.body(null, 204);
  });
  api.post(
    "/backends/:id/clear-cooldown",
    (c) => c.json({ data: clearBackendCooldown(deps, c.req.param("id")) }),
  );
  api.post(
    "/backends/:id/pause",
    (c) => c.json({ data: pauseBackend(deps, c.req.param("id")) }),
  );

  api.get("/config", (c) => c.json({ data: getConfig(deps) }));
  api.get("/config/file", (c) => c.json({ data: getConfigFileInfo(deps) }));
  api.patch("/config", async (c) => c.json({ data: patchConfig(deps, await body(c.req.raw)) }));

  api.get("/keys", (c) => c.json({ data: listKeys(deps) }));
  api.post(
    "/keys",
    async (c) => c.json({ data: await createKey(deps, await body(c.req.raw)) }, 201),
  );
  api.get("/keys/:id", (c) => c.json({ data: getKey(deps, c.req.param("id")) }));
  api.patch(
    "/keys/:id",
    async (c) => c.json({ data: await updateKey(deps, c.req.param("id"), await body(c.req.raw)) }),
  );
  api.delete("/keys/:id", async (c) => {
    await deleteKey(deps, c.req.param("id"));
    return c.body(null, 204);
  });
  api.post(
    "/keys/:id/rotate",
    async (c) => c.json({ data: await rotateKey(deps, c.req.param("id")) }),
  );

  api.get("/prices", (c) => c.json({ data: listPrices(deps) }));
  api.put("/prices", async (c) => c.json({ data: replacePrices(deps, await body(c.req.raw)) }));

  api.route("/", observabilityRoutes(deps));
  return api;
}
