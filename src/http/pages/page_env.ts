/**
 * @module page_env
 * The Hono environment of the dashboard routes: the signed-in session.
 */
import type { SessionRecord } from "../../store/session_repo.ts";

/** Variables set by the session middleware. */
export type PageEnv = { Variables: { session: SessionRecord } };
