/**
 * @module method_table_test
 * The methods routed at a path, read from route entries as Hono lists them.
 */
import assert from "node:assert/strict";
import { methodTable } from "../../src/http/method_table.ts";

Deno.test("methodTable() lists the methods of every route matching a path, middleware aside", () => {
  const allowed = methodTable([
    { method: "ALL", path: "/api/*" },
    { method: "GET", path: "/api/pools" },
    { method: "POST", path: "/api/pools" },
    { method: "DELETE", path: "/api/pools/:id" },
    { method: "GET", path: "/api/pools/:id" },
    { method: "GET", path: "/static/*" },
  ]);
  assert.deepEqual(allowed("/api/pools"), ["GET", "POST"]);
  assert.deepEqual(allowed("/api/pools/p1"), ["GET", "DELETE"]);
  assert.deepEqual(allowed("/api/pools/p1/x"), []);
  assert.deepEqual(allowed("/static/a/b.css"), ["GET"]);
  assert.deepEqual(allowed("/nothing"), []);
});
