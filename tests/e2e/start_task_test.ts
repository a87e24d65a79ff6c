/**
 * @module start_task_test
 * `deno task start` as a user runs it: the task's own permissions let the
 * server read what its limits are derived from (/proc/self/limits and the
 * kernel's socket tables need `--allow-all` in Deno), so the connection cap
 * follows the open-files limit and the hang-up watch is on, with no warning.
 */
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;

Deno.test("deno task start's permissions: the connection cap follows the open-files limit, no capability warning", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(`${root}deno.json`)).tasks as Record<
    string,
    string
  >;
  // "deno run <flags> main.ts serve": run the same flags on a free port.
  const words = tasks.start!.split(/\s+/);
  assert.equal(words[0], "deno");
  const flags = words.slice(2, words.indexOf("main.ts"));
  const dir = await Deno.makeTempDir({ prefix: "sidecar-start-task-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, `${root}main.ts`, "serve", "--port", "0", "--data-dir", dir],
    env: { SIDECAR_ADMIN_TOKEN: "sc-admin-start-task", SIDECAR_LOG_LEVEL: "info" },
    stdout: "piped",
    stderr: "piped",
    cwd: root,
  }).spawn();
  try {
    const lines: string[] = [];
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    // Until it listens, then a moment more: the hang-up watch says its piece just after.
    let until = Date.now() + 20_000;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) break;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const next = await Promise.race([
        reader.read(),
        new Promise<null>((r) => timer = setTimeout(() => r(null), left)),
      ]);
      clearTimeout(timer);
      if (next === null || next.done) break;
      const fresh = next.value.split("\n").filter(Boolean);
      lines.push(...fresh);
      if (fresh.some((l) => l.startsWith("Sidecar "))) until = Math.min(until, Date.now() + 700);
    }
    reader.releaseLock();
    const limits = lines.map((l) => l.startsWith("{") ? JSON.parse(l) : null)
      .find((j) => j?.msg === "connection limits");
    assert.ok(limits, `no "connection limits" line in ${lines.join("\n")}`);
    const shell = await new Deno.Command("sh", { args: ["-c", "ulimit -Hn"], stdout: "piped" })
      .output();
    const hard = Number(new TextDecoder().decode(shell.stdout).trim());
    assert.equal(limits.max_connections, Math.floor((hard - 64) / 2));
    assert.ok(
      !lines.some((l) => /unreadable|unavailable/.test(l)),
      `a capability warning: ${lines.join("\n")}`,
    );
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await child.stderr.cancel().catch(() => {});
    await child.stdout.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
