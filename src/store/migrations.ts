/**
 * @module migrations
 * Versioned schema migrations keyed on `PRAGMA user_version`: each step runs
 * once, in order, inside a transaction, so both a fresh file and an older
 * file come up at the current version.
 */
import type { DatabaseSync } from "node:sqlite";
import { DEFAULT_PRICES } from "../pricing/default_prices.ts";
import type { PriceEntry } from "../pricing/price_entry.ts";

/** Ordered migrations; index + 1 is the version each one produces. */
export const MIGRATIONS: readonly string[] = [
  // v1: the initial schema.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE pools (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    priority INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE backends (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    api_key_enc TEXT NOT NULL,
    api_key_hint TEXT NOT NULL,
    pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE RESTRICT,
    models TEXT NOT NULL,
    model_map TEXT NOT NULL,
    weight INTEGER NOT NULL,
    rpm_limit INTEGER,
    tpm_limit INTEGER,
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE client_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_hint TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE backend_state (
    backend_id TEXT PRIMARY KEY REFERENCES backends(id) ON DELETE CASCADE,
    health TEXT NOT NULL,
    consecutive_429 INTEGER NOT NULL,
    failures INTEGER NOT NULL
  );
  CREATE TABLE cooldown_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    backend_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    consecutive INTEGER NOT NULL,
    seconds REAL NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL
  );
  CREATE INDEX cooldown_events_backend ON cooldown_events(backend_id, started_at);
  CREATE TABLE requests (
    id TEXT PRIMARY KEY,
    ts INTEGER NOT NULL,
    model TEXT NOT NULL,
    upstream_model TEXT,
    backend_id TEXT,
    pool_id TEXT,
    key_id TEXT,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    stream INTEGER NOT NULL,
    attempts TEXT NOT NULL,
    latency_ms INTEGER NOT NULL,
    ttfb_ms INTEGER,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    error TEXT
  );
  CREATE INDEX requests_ts ON requests(ts);
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  INSERT INTO pools (id, name, priority, created_at, updated_at) VALUES
    ('primary', 'Primary', 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    ('fallback', 'Fallback', 100, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
  `,
  // v2: sessions name the admin token they were made under; older ones match none.
  `
  ALTER TABLE sessions ADD COLUMN admin_binding TEXT NOT NULL DEFAULT '';
  `,
  // v3: the failed-authentication limiter's state.
  `
  CREATE TABLE auth_failures (
    client TEXT PRIMARY KEY,
    failures TEXT NOT NULL,
    last_at INTEGER NOT NULL
  );
  CREATE INDEX auth_failures_last ON auth_failures(last_at);
  `,
  // v4: resumed streams: how each backend continues a broken chat stream
  // (existing backends keep today's behaviour), and the models that refused it.
  `
  ALTER TABLE backends ADD COLUMN resume TEXT NOT NULL DEFAULT 'off';
  CREATE TABLE resume_marks (
    backend_id TEXT NOT NULL REFERENCES backends(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    marked_at INTEGER NOT NULL,
    PRIMARY KEY (backend_id, model)
  );
  `,
  // v5: cooldowns in two scopes. backend_state keys on (backend_id, model):
  // model '' is the whole backend, any other a (backend, upstream model) pair
  // cooling on rate limits. Existing rows become backend rows: a 429 cooldown
  // stored before cannot know its model, so it stays backend-wide and expires
  // as it would have. Cooldown events name a pair's model (null: backend-wide).
  `
  CREATE TABLE backend_state_scoped (
    backend_id TEXT NOT NULL REFERENCES backends(id) ON DELETE CASCADE,
    model TEXT NOT NULL DEFAULT '',
    health TEXT NOT NULL,
    consecutive_429 INTEGER NOT NULL,
    failures INTEGER NOT NULL,
    PRIMARY KEY (backend_id, model)
  );
  INSERT INTO backend_state_scoped (backend_id, model, health, consecutive_429, failures)
    SELECT backend_id, '', health, consecutive_429, failures FROM backend_state;
  DROP TABLE backend_state;
  ALTER TABLE backend_state_scoped RENAME TO backend_state;
  ALTER TABLE cooldown_events ADD COLUMN model TEXT;
  `,
  // v6: the declarative config file (docs/config.md): rows it wrote are
  // marked 'file' (NULL: made in the dashboard or the API), and so are the
  // config fields it sets.
  `
  ALTER TABLE pools ADD COLUMN managed TEXT;
  ALTER TABLE backends ADD COLUMN managed TEXT;
  ALTER TABLE client_keys ADD COLUMN managed TEXT;
  ALTER TABLE config ADD COLUMN managed TEXT;
  `,
  // v7: client-key policy (docs/keys.md). NULL limits are no limit, NULL
  // models every model, so existing keys keep today's behaviour.
  `
  ALTER TABLE client_keys ADD COLUMN models TEXT;
  ALTER TABLE client_keys ADD COLUMN rpm_limit INTEGER;
  ALTER TABLE client_keys ADD COLUMN tpm_limit INTEGER;
  ALTER TABLE client_keys ADD COLUMN max_concurrent INTEGER;
  ALTER TABLE client_keys ADD COLUMN budget_usd REAL;
  ALTER TABLE client_keys ADD COLUMN budget_period TEXT;
  ALTER TABLE client_keys ADD COLUMN expires_at TEXT;
  ALTER TABLE client_keys ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE client_keys ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE client_keys ADD COLUMN last_used_at TEXT;
  `,
  // v8: cost (docs/accounting.md, "Cost"). The price table, seeded with the
  // default table once, here, and the operator's from then on (an entry
  // deleted stays deleted); a backend's own prices; each request's cost.
  // Older records have no cost (NULL) and are not flagged unpriced.
  `
  CREATE TABLE prices (
    model TEXT PRIMARY KEY,
    input_per_mtok REAL NOT NULL,
    cached_input_per_mtok REAL,
    output_per_mtok REAL NOT NULL,
    reasoning_per_mtok REAL,
    max_output_tokens INTEGER,
    managed TEXT
  );
  ${insertPricesSql(DEFAULT_PRICES)}
  ALTER TABLE backends ADD COLUMN prices TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE requests ADD COLUMN cost_usd REAL;
  ALTER TABLE requests ADD COLUMN unpriced INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE requests ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0;
  `,
  // v9: the API each backend speaks (engine/api_family.ts); every backend
  // stored before spoke OpenAI's.
  `
  ALTER TABLE backends ADD COLUMN api TEXT NOT NULL DEFAULT 'openai';
  `,
  // v10: budgets (docs/keys.md, "Budgets"): what each key spent per period
  // kind and period (start, epoch ms), written behind like health and read
  // at boot, so spend survives a restart.
  `
  CREATE TABLE key_spend (
    key_id TEXT NOT NULL,
    period TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    spend_usd REAL NOT NULL,
    PRIMARY KEY (key_id, period, period_start)
  );
  `,
  // v11: the API each request's client spoke (api_formats/endpoint.ts);
  // every request recorded before came through the OpenAI endpoints.
  `
  ALTER TABLE requests ADD COLUMN api TEXT NOT NULL DEFAULT 'openai';
  `,
];

/** The default table as one INSERT: Sidecar's own constants (default_prices.ts), so literals are safe. */
function insertPricesSql(entries: readonly PriceEntry[]): string {
  const num = (n: number | null) => (n === null ? "NULL" : String(n));
  const rows = entries.map((e) =>
    `('${e.model.replaceAll("'", "''")}', ${num(e.input_per_mtok)}, ` +
    `${num(e.cached_input_per_mtok)}, ${num(e.output_per_mtok)}, ` +
    `${num(e.reasoning_per_mtok)}, ${num(e.max_output_tokens)})`
  );
  return `INSERT INTO prices (model, input_per_mtok, cached_input_per_mtok, output_per_mtok,
    reasoning_per_mtok, max_output_tokens) VALUES ${rows.join(",\n    ")};`;
}

/** Applies every migration newer than the file's `user_version`. */
export function migrate(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number } | undefined;
  let version = row?.user_version ?? 0;
  if (version > MIGRATIONS.length) {
    throw new Error(
      `Database schema version ${version} is newer than this Sidecar (${MIGRATIONS.length})`,
    );
  }
  for (; version < MIGRATIONS.length; version++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
  }
  return version;
}
