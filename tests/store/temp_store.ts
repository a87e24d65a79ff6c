/**
 * @module temp_store
 * A store on a real SQLite file in a fresh temp dir, removed on dispose.
 */
import { openDatabase } from "../../src/store/database.ts";
import { createStore, type Store } from "../../src/store/store.ts";
import type { WriteQueueOptions } from "../../src/store/write_queue.ts";

/** A temp-file store; `using s = tempStore()` closes and deletes it. */
export interface TempStore extends Disposable {
  store: Store;
  dir: string;
  path: string;
}

/** Opens a store on `<tempdir>/sidecar.db`. */
export function tempStore(writeOptions: WriteQueueOptions = {}): TempStore {
  const dir = Deno.makeTempDirSync({ prefix: "sidecar-store-test-" });
  const path = `${dir}/sidecar.db`;
  const store = createStore(openDatabase(path), writeOptions);
  let closed = false;
  return {
    store,
    dir,
    path,
    [Symbol.dispose]() {
      if (!closed) {
        closed = true;
        if (store.db.isOpen) store.close();
      }
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

/** A backend row's fields with a placeholder sealed key. */
export function backendFields(poolId = "primary") {
  return {
    name: "B",
    base_url: "http://127.0.0.1:1",
    api_key_enc: "v1:placeholder",
    api_key_hint: "…",
    pool_id: poolId,
    models: ["m"],
    model_map: {},
    weight: 1,
    rpm_limit: null,
    tpm_limit: null,
    enabled: true,
    resume: "off" as const,
    prices: [],
    api: "openai" as const,
  };
}
