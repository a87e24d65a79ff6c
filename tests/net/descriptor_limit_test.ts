/**
 * @module descriptor_limit_test
 * softDescriptorLimit() reads /proc/self/limits; defaultMaxConnections()
 * leaves the reserve and halves the rest.
 */
import assert from "node:assert/strict";
import { defaultMaxConnections, softDescriptorLimit } from "../../src/net/descriptor_limit.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

Deno.test("softDescriptorLimit() reads the soft open-files limit", () => {
  assert.equal(softDescriptorLimit(LIMITS), 1024);
  assert.equal(softDescriptorLimit("Limit Soft Hard\n"), undefined);
});

Deno.test("defaultMaxConnections() keeps 64 descriptors back and halves the rest, at least 1", () => {
  for (
    const [limit, max] of [[1024, 480], [256, 96], [20_000, 9_968], [65, 1], [10, 1]] as const
  ) {
    assert.equal(defaultMaxConnections(limit), max, `limit ${limit}`);
  }
});

/** What processDescriptorLimit() says in a child run with `flags`. */
async function childLimit(flags: string[]): Promise<string> {
  const module = new URL("../../src/net/descriptor_limit.ts", import.meta.url).href;
  const code = `import { processDescriptorLimit } from "${module}";\n` +
    "console.log(String(processDescriptorLimit()));";
  const dir = await Deno.makeTempDir({ prefix: "sidecar-limit-" });
  try {
    await Deno.writeTextFile(`${dir}/probe.ts`, code);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-lock", ...flags, `${dir}/probe.ts`],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(out.stdout).trim();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("processDescriptorLimit() reads the soft limit with --allow-all, and is undefined without it", async () => {
  // Deno raises its soft limit to the hard one at start, so a shell child shows what it runs with.
  const shell = await new Deno.Command("sh", { args: ["-c", "ulimit -Hn"], stdout: "piped" })
    .output();
  const hard = new TextDecoder().decode(shell.stdout).trim();
  assert.equal(await childLimit(["-A"]), hard);
  // The permissions of a narrower run: Deno allows /proc/self only with --allow-all.
  assert.equal(await childLimit(["--allow-read"]), "undefined");
});
