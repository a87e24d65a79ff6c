/**
 * @module Preloaded (`deno run --preload`) into the tail study's mock and
 * bare passthrough, which have no phase marks of their own: runs
 * src/phase_trace.ts's GC clock anchor and writes it out at once, so the
 * study can put their V8 GC trace on the same clock as Sidecar's; and ends
 * the process on SIGTERM through `Deno.exit`, which flushes stdout, where
 * V8 prints its trace (killed outright, the last few kilobytes of it, the
 * measured window's, would be lost).
 */

import { dumpPhases } from "../src/phase_trace.ts";

dumpPhases();
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
