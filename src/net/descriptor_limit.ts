/**
 * @module descriptor_limit
 * The default cap on open client connections, below the process's file
 * descriptor limit: running out of descriptors fails more than `accept()`
 * (upstream connections, SQLite's WAL, Deno's own signal handling panics).
 */

/**
 * Descriptors kept for everything but client connections: the runtime's
 * own (about 25 at start), the database and its WAL and shm files, the
 * writer thread's connection, the listener, and slack.
 */
export const RESERVED_DESCRIPTORS = 64;

/**
 * Assumed when the limit cannot be read (not Linux): macOS's default soft
 * limit, the lowest common one.
 */
export const FALLBACK_DESCRIPTOR_LIMIT = 256;

/**
 * The soft "Max open files" limit from the text of /proc/self/limits, or
 * undefined if absent. Deno raises the soft limit to the hard
 * one at start-up, so this is read from inside the process, not taken from
 * the shell's `ulimit -Sn`.
 */
export function softDescriptorLimit(limitsText: string): number | undefined {
  const m = limitsText.match(/^Max open files\s+(\d+)\s/m);
  return m ? Number(m[1]) : undefined;
}

/**
 * The default connection cap for a descriptor limit: what is left after
 * {@link RESERVED_DESCRIPTORS}, halved because each client connection may
 * hold an upstream connection too; at least 1.
 */
export function defaultMaxConnections(descriptorLimit: number): number {
  return Math.max(1, Math.floor((descriptorLimit - RESERVED_DESCRIPTORS) / 2));
}

/**
 * This process's soft descriptor limit (Linux), or undefined when it cannot
 * be read: not Linux, or Deno's permissions (it allows /proc/self only with
 * `--allow-all`, which `deno task start` and the compiled binary have).
 */
export function processDescriptorLimit(): number | undefined {
  try {
    return softDescriptorLimit(Deno.readTextFileSync("/proc/self/limits"));
  } catch {
    return undefined;
  }
}
