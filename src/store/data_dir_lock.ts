/**
 * @module data_dir_lock
 * One process owns a data dir at a time: a server for its lifetime, or
 * `sidecar rotate-key` while it re-seals. Two writers on one database and
 * one `master.key` corrupt it (a server keeps sealing under a key that
 * rotation has just replaced). The lock is an advisory exclusive `flock` on
 * `sidecar.lock`: the kernel drops it when the process dies, so a
 * `kill -9` leaves no stale lock to clean up.
 */
import { join } from "node:path";
import { StartupError } from "../errors.ts";

/** The lock file's name in the data dir. */
export const LOCK_FILE = "sidecar.lock";

/** A held data-dir lock; {@link release} gives it up. */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

/**
 * Takes the data dir's lock without waiting, or throws a {@link StartupError}
 * naming the holder's pid. `purpose` completes the refusal ("…: stop it
 * before rotating the master key").
 */
export function lockDataDir(dir: string, purpose: string): DataDirLock {
  const path = join(dir, LOCK_FILE);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (err) {
    throw new StartupError(`Cannot open lock file "${path}": ${(err as Error).message}`);
  }
  if (!file.tryLockSync(true)) {
    file.close();
    const holder = readHolder(path);
    throw new StartupError(
      `Data directory "${dir}" is in use by a running Sidecar${
        holder ? ` (pid ${holder})` : ""
      }: stop it ${purpose}`,
    );
  }
  // The pid is only for the message above; the lock itself is the flock.
  file.truncateSync(0);
  file.writeSync(new TextEncoder().encode(`${Deno.pid}\n`));
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      file.close(); // closing the descriptor drops the flock
    },
  };
}

function readHolder(path: string): string | undefined {
  try {
    return /^\d+/.exec(Deno.readTextFileSync(path))?.[0];
  } catch {
    return undefined;
  }
}
