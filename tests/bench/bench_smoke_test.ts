/**
 * @module The benchmark's smoke mode as a test: direct, the bare Deno
 * passthrough and Sidecar (when it starts) each take a few hundred checked
 * requests, and every one must succeed; the governed key's audit must show
 * its budget spent and its allowlist applied. No wrk, nginx or Portkey needed.
 */

const root = new URL("../../", import.meta.url).pathname;

interface SmokeTarget {
  id: string;
  available: boolean;
  reason?: string;
  smoke?: { requests: number; ok: number; failed: number; failures: string[] };
  keyAudit?: { spendUsd: number; requests: number; refusal: { status: number; code: string } };
}

Deno.test("bench --smoke: every request to every available target succeeds", async () => {
  const out = await Deno.makeTempDir({ prefix: "sidecar-bench-smoke-" });
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-run",
        "--allow-sys",
        `${root}bench/run.ts`,
        "--smoke",
        `--out=${out}`,
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(120_000),
    }).output();
    const log = new TextDecoder().decode(run.stderr) + new TextDecoder().decode(run.stdout);
    const results = JSON.parse(await Deno.readTextFile(`${out}/latest-smoke.json`)) as {
      targets: SmokeTarget[];
    };
    const byId = new Map(results.targets.map((t) => [t.id, t]));
    for (const id of ["direct", "passthrough"]) {
      if (!byId.get(id)?.available) throw new Error(`"${id}" was not measured:\n${log}`);
    }
    for (const t of results.targets) {
      if (!t.smoke) continue; // Sidecar that did not start: reported, not a failure here.
      if (t.smoke.failed !== 0 || t.smoke.ok !== t.smoke.requests) {
        throw new Error(`"${t.id}": ${t.smoke.failed} failed: ${t.smoke.failures.join(" | ")}`);
      }
    }
    // The governed key's requests went through its allowlist and budget.
    const governed = byId.get("sidecar_governed");
    if (governed?.available) {
      const a = governed.keyAudit;
      if (!a || !(a.spendUsd > 0) || a.requests < governed.smoke!.ok) {
        throw new Error(`"sidecar_governed": its budget did not count: ${JSON.stringify(a)}`);
      }
      if (a.refusal.status !== 403 || a.refusal.code !== "model_not_allowed") {
        throw new Error(`"sidecar_governed": allowlist not applied: ${JSON.stringify(a.refusal)}`);
      }
    }
    if (run.code !== 0) throw new Error(`bench --smoke exited with ${run.code}:\n${log}`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
