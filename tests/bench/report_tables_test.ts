/**
 * @module Tests of the report's commands section: what a recorded command
 * line or wrk script shows of a run's ports, temp dirs and tokens.
 */
import assert from "node:assert/strict";
import { commandsSection, tidyCommand } from "../../bench/report_tables.ts";
import { run } from "./run_fixture.ts";

Deno.test("tidyCommand() hides the redis-server's port and temp dir in the recorded command", () => {
  const r = run([]);
  const cmd = "/usr/bin/redis-server --port 40123 --bind 127.0.0.1 --save '' --appendonly no " +
    "--dir /tmp/sidecar-bench-redis-abc123 & SIDECAR_REDIS_URL=redis://127.0.0.1:40123 " +
    "SIDECAR_ADMIN_TOKEN=… deno run -A main.ts serve --host 127.0.0.1 --port 0";
  const tidy = tidyCommand(cmd, r);
  assert.ok(!tidy.includes("40123"), tidy);
  assert.match(
    tidy,
    /--port <redis port> --bind .* --dir \$TMP & SIDECAR_REDIS_URL=redis:\/\/127\.0\.0\.1:<redis port> /,
  );
  assert.match(tidy, /serve --host 127\.0\.0\.1 --port 0$/);
});

Deno.test("commandsSection() shows no admin token in the wrk script", () => {
  const r = run([]);
  r.wrkScript = "wrk.headers[ [[authorization]] ] = [[Bearer bench-admin-0f3a-77c1]]\n";
  const text = commandsSection(r).join("\n");
  assert.ok(!text.includes("0f3a"), text);
  assert.match(text, /\[\[Bearer <admin token>\]\]/);
});
