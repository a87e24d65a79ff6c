/**
 * @module Two configurations side by side on one mock, in alternating wrk
 * runs: the median of the per-round req/s ratios. Within a round the two
 * runs are seconds apart, so a drift of the VM's speed falls on both; the
 * order alternates, so neither always runs first. For a cost of a few
 * percent, which a full run's single ratio cannot tell from the noise.
 *
 * Run: `deno run -A bench/alternate.ts [A] [B] [--rounds=16] [--connections=32] [--seconds=2]`
 * (configuration ids as in `deno task bench --targets=`; default `sidecar` and
 * `sidecar_governed`). Prints each round and the median of B / A.
 */

import { BODY } from "./settings.ts";
import { startTarget } from "./start_target.ts";
import { startMockProcess, type Target } from "./target.ts";
import { runWrk } from "./wrk.ts";

const ids = Deno.args.filter((a) => !a.startsWith("--"));
const flag = (name: string, d: number) =>
  Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? d);
const [aId, bId] = [ids[0] ?? "sidecar", ids[1] ?? "sidecar_governed"];
const rounds = flag("rounds", 16);
const connections = flag("connections", 32);
const seconds = flag("seconds", 2);

const mock = await startMockProcess();
const started: Target[] = [];
try {
  const a = await startTarget(aId, mock, () => {});
  started.push(a);
  const b = await startTarget(bId, mock, () => {});
  started.push(b);
  const rps = async (t: Target) =>
    (await runWrk({
      url: t.url,
      headers: t.headers,
      body: t.body ?? BODY,
      connections,
      durationS: seconds,
    })).rps;
  // Warm both (JIT, connection pools) before anything counts.
  await rps(a);
  await rps(b);
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let ra: number, rb: number;
    if (i % 2 === 0) {
      ra = await rps(a);
      rb = await rps(b);
    } else {
      rb = await rps(b);
      ra = await rps(a);
    }
    ratios.push(rb / ra);
    console.log(
      `round ${i + 1}: ${aId} ${Math.round(ra)} req/s, ${bId} ${Math.round(rb)}, ratio ${
        (rb / ra).toFixed(3)
      }`,
    );
  }
  ratios.sort((x, y) => x - y);
  console.log(
    `median ${bId} / ${aId} at ${connections} connections over ${rounds} rounds: ${
      ratios[Math.floor(rounds / 2)]!.toFixed(3)
    } (range ${ratios[0]!.toFixed(2)}–${ratios[rounds - 1]!.toFixed(2)})`,
  );
} finally {
  for (const t of started) await t.stop();
  await mock.stop();
}
