/**
 * @module durable_writes
 * An acknowledged admin action is on disk. Most admin writes are synchronous
 * already, but some land in the write-behind queue (a cleared cooldown is a
 * health change, like those traffic makes), which commits up to 50 ms
 * later: a crash in that gap undid an action the admin had been told was
 * done. So every state-changing admin request commits the queue before its
 * answer leaves; traffic's own health changes stay batched.
 */
import { createMiddleware } from "hono/factory";
import type { Store } from "../store/store.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Commits the write-behind queue after every unsafe request, before answering. */
export function durableWrites(store: Pick<Store, "writes">) {
  return createMiddleware(async (c, next) => {
    await next();
    if (!SAFE_METHODS.has(c.req.method)) store.writes.commit();
  });
}
