/**
 * @module settings_test
 * resolveSettings(): flags win over env, env over defaults; commands, help,
 * version, and bad input refused with a UsageError.
 */
import assert from "node:assert/strict";
import { HELP, resolveSettings, UsageError } from "../../src/cli/settings.ts";

const noEnv = () => undefined;
const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("resolveSettings() with no flags and no env gives the contract defaults", () => {
  assert.deepEqual(resolveSettings([], noEnv), {
    command: "serve",
    host: "127.0.0.1",
    port: 8686,
    dataDir: "./data",
    dbPath: "data/sidecar.db",
    masterKey: undefined,
    adminToken: undefined,
    logLevel: "info",
    maxConnections: undefined,
    headerTimeoutMs: 20_000,
    idleTimeoutMs: 60_000,
    configPath: undefined,
    keyName: undefined,
    redisUrl: undefined,
    redisPrefix: "sidecar:",
  });
});

Deno.test("resolveSettings() reads every SIDECAR_* variable", () => {
  const s = resolveSettings(
    [],
    envOf({
      SIDECAR_HOST: "0.0.0.0",
      SIDECAR_PORT: "9000",
      SIDECAR_DATA_DIR: "/var/lib/sidecar",
      SIDECAR_DB: "/tmp/other.db",
      SIDECAR_MASTER_KEY: "bWFzdGVy",
      SIDECAR_ADMIN_TOKEN: "tok",
      SIDECAR_LOG_LEVEL: "warn",
      SIDECAR_MAX_CONNECTIONS: "500",
      SIDECAR_HEADER_TIMEOUT_MS: "5000",
      SIDECAR_IDLE_TIMEOUT_MS: "30000",
      SIDECAR_CONFIG: "/etc/sidecar.yaml",
      SIDECAR_REDIS_URL: "redis://:pw@cache:6380/2",
      SIDECAR_REDIS_PREFIX: "team-a:",
    }),
  );
  assert.deepEqual(s, {
    command: "serve",
    host: "0.0.0.0",
    port: 9000,
    dataDir: "/var/lib/sidecar",
    dbPath: "/tmp/other.db",
    masterKey: "bWFzdGVy",
    adminToken: "tok",
    logLevel: "warn",
    maxConnections: 500,
    headerTimeoutMs: 5000,
    idleTimeoutMs: 30000,
    configPath: "/etc/sidecar.yaml",
    keyName: undefined,
    redisUrl: "redis://:pw@cache:6380/2",
    redisPrefix: "team-a:",
  });
});

Deno.test("resolveSettings() lets flags win over env", () => {
  const env = envOf({
    SIDECAR_HOST: "0.0.0.0",
    SIDECAR_PORT: "9000",
    SIDECAR_DATA_DIR: "/env/dir",
  });
  const s = resolveSettings(
    ["serve", "--host", "::1", "--port", "1234", "--data-dir", "/flag/dir"],
    env,
  );
  assert.equal(s.host, "::1");
  assert.equal(s.port, 1234);
  assert.equal(s.dataDir, "/flag/dir");
  assert.equal(s.dbPath, "/flag/dir/sidecar.db", "the db follows the data dir");
  assert.equal(resolveSettings(["--port=0"], env).port, 0);
});

Deno.test("resolveSettings() keeps SIDECAR_DB over a --data-dir flag", () => {
  const s = resolveSettings(["--data-dir", "/flag/dir"], envOf({ SIDECAR_DB: "/db/elsewhere.db" }));
  assert.equal(s.dataDir, "/flag/dir");
  assert.equal(s.dbPath, "/db/elsewhere.db");
});

Deno.test("resolveSettings() parses the commands", () => {
  assert.equal(resolveSettings(["serve"], noEnv).command, "serve");
  assert.equal(resolveSettings(["rotate-key"], noEnv).command, "rotate-key");
  assert.equal(resolveSettings(["rotate-key", "--data-dir", "/d"], noEnv).dataDir, "/d");
});

Deno.test("resolveSettings() --help / -h and --version / -V win over any command", () => {
  for (
    const args of [["--help"], ["-h"], ["serve", "--help"], ["rotate-key", "-h"], [
      "--help",
      "--version",
    ]]
  ) {
    assert.equal(resolveSettings(args, noEnv).command, "help", args.join(" "));
  }
  for (const args of [["--version"], ["-V"], ["serve", "--version"]]) {
    assert.equal(resolveSettings(args, noEnv).command, "version", args.join(" "));
  }
  assert.match(HELP, /Usage:/);
  assert.match(HELP, /rotate-key/);
});

Deno.test("resolveSettings() refuses a bad port from a flag or the env", () => {
  for (const port of ["abc", "-1", "65536", "70000", "1.5", "", " 80", "0x50", "1e3"]) {
    assert.throws(() => resolveSettings([`--port=${port}`], noEnv), (err) => {
      assert.ok(err instanceof UsageError, `--port ${JSON.stringify(port)}`);
      assert.match(err.message, /^Invalid port/);
      return true;
    });
    assert.throws(() => resolveSettings([], envOf({ SIDECAR_PORT: port })), UsageError);
  }
  assert.equal(resolveSettings(["--port", "65535"], noEnv).port, 65535);
});

Deno.test("resolveSettings() refuses an unknown command, an extra argument or an unknown flag", () => {
  assert.throws(() => resolveSettings(["start"], noEnv), /Unknown command "start"/);
  assert.throws(() => resolveSettings(["serve", "now"], noEnv), /Unexpected argument "now"/);
  assert.throws(() => resolveSettings(["--bogus"], noEnv), UsageError);
  assert.throws(() => resolveSettings(["--port"], noEnv), UsageError);
});

Deno.test("resolveSettings() accepts log levels in any case and refuses unknown ones", () => {
  for (const level of ["debug", "info", "warn", "error"]) {
    assert.equal(resolveSettings([], envOf({ SIDECAR_LOG_LEVEL: level })).logLevel, level);
  }
  assert.equal(resolveSettings([], envOf({ SIDECAR_LOG_LEVEL: "DEBUG" })).logLevel, "debug");
  for (const level of ["verbose", "trace", "", "warning"]) {
    assert.throws(
      () => resolveSettings([], envOf({ SIDECAR_LOG_LEVEL: level })),
      (err) => err instanceof UsageError && /SIDECAR_LOG_LEVEL/.test(err.message),
    );
  }
});

Deno.test("resolveSettings() refuses connection limits that are not whole numbers of at least 1", () => {
  const names = ["SIDECAR_MAX_CONNECTIONS", "SIDECAR_HEADER_TIMEOUT_MS", "SIDECAR_IDLE_TIMEOUT_MS"];
  for (const name of names) {
    for (
      const value of ["0", "-5", "1.5", "", "abc", " 10", "1e3", "0x10", "99999999999999999999"]
    ) {
      assert.throws(() => resolveSettings([], envOf({ [name]: value })), (err) => {
        assert.ok(err instanceof UsageError, `${name}=${JSON.stringify(value)}`);
        assert.equal(err.message, `Invalid ${name} "${value}": use a whole number of at least 1`);
        return true;
      });
    }
  }
  const s = resolveSettings(
    [],
    envOf({ SIDECAR_MAX_CONNECTIONS: "1", SIDECAR_IDLE_TIMEOUT_MS: "1" }),
  );
  assert.equal(s.maxConnections, 1);
  assert.equal(s.idleTimeoutMs, 1);
  for (const name of names) assert.match(HELP, new RegExp(name));
});

Deno.test("resolveSettings() refuses a SIDECAR_REDIS_URL that does not parse, naming it, never the password", () => {
  const bad = [
    "http://admin:hunter2@cache:6379",
    "redis://:hunter2@cache:99999",
    "redis://:hunter2@cache:6379/x",
    "hunter2",
  ];
  for (const url of bad) {
    assert.throws(() => resolveSettings([], envOf({ SIDECAR_REDIS_URL: url })), (err) => {
      assert.ok(err instanceof UsageError, url);
      assert.match(err.message, /^SIDECAR_REDIS_URL /);
      assert.ok(!err.message.includes("hunter2"), err.message);
      return true;
    });
  }
  assert.equal(resolveSettings([], envOf({ SIDECAR_REDIS_URL: "" })).redisUrl, undefined);
  assert.equal(
    resolveSettings([], envOf({ SIDECAR_REDIS_URL: "rediss://h" })).redisUrl,
    "rediss://h",
  );
  assert.throws(
    () => resolveSettings([], envOf({ SIDECAR_REDIS_PREFIX: "" })),
    (err) => err instanceof UsageError && /SIDECAR_REDIS_PREFIX/.test(err.message),
  );
  assert.match(HELP, /SIDECAR_REDIS_URL/);
  assert.match(HELP, /SIDECAR_REDIS_PREFIX/);
});
