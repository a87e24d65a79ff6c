/**
 * @module Preloaded (`deno run --preload`) into the tail study's mock and
 * bare passthrough, which have no phase marks of their own: runs
 * src/phase_trace.ts's GC clock anchor and writes it out at once (neither
 * process exits in a way that would write it later), so the study can put
 * their V8 GC trace on the same clock as Sidecar's.
 */

import { dumpPhases } from "../src/phase_trace.ts";

dumpPhases();
