import assert from "node:assert/strict";

const worker = new URL("../../src/store/request_writer_worker.ts", import.meta.url).href;

/** The modules a script loads when it runs: `deno info`'s graph without type-only imports. */
async function codeGraph(root: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: { specifier: string; dependencies?: { code?: { specifier?: string } }[] }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      if (d.code?.specifier) stack.push(d.code.specifier);
    }
  }
  return [...seen].sort();
}

Deno.test("the request writer's thread loads no npm package (zod cost its isolate 15 MB) and none of the repos' read side", async () => {
  const graph = await codeGraph(worker);
  assert.ok(graph.includes(worker));
  assert.deepEqual(graph.filter((s) => s.startsWith("npm:") || s.includes("/node_modules/")), []);
  const names = graph.map((s) => s.slice(s.lastIndexOf("/") + 1));
  for (const readSide of ["rows.ts", "request_repo.ts", "migrations.ts", "database.ts"]) {
    assert.ok(
      !names.includes(readSide),
      `the writer thread loads ${readSide}: ${names.join(", ")}`,
    );
  }
});
