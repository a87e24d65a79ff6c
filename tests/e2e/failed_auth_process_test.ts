/**
 * @module failed_auth_process_test
 * The failed-auth limit in a real process, where the client address comes
 * from the socket: guesses on /v1 turn into 429s, the right token still works.
 */
import assert from "node:assert/strict";
import { AUTH_LIMIT_DEFAULTS } from "../../src/auth/failed_auth_limiter.ts";
import { sidecarEnv, SidecarProcess } from "../helpers/sidecar_process.ts";

Deno.test("sidecar serve: token guessing on /v1 is answered 429 after the limit; the admin token still works", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sidecar-auth-e2e-" });
  const token = "sc-admin-e2e-guess";
  try {
    await using server = await SidecarProcess.start(
      dir,
      sidecarEnv({ SIDECAR_ADMIN_TOKEN: token, SIDECAR_LOG_LEVEL: "error" }),
    );
    const get = async (key: string) => {
      const res = await fetch(`${server.url}/v1/models`, {
        headers: { authorization: `Bearer ${key}` },
      });
      await res.body?.cancel();
      return res;
    };
    for (let i = 0; i < AUTH_LIMIT_DEFAULTS.maxFailures; i++) {
      assert.equal((await get(`guess-${i}`)).status, 401);
    }
    const limited = await get("guess-again");
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    assert.equal((await get(token)).status, 200);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
