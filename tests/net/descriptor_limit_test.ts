/**
 * @module descriptor_limit_test
 * softDescriptorLimit() reads /proc/self/limits; defaultMaxConnections()
 * leaves the reserve and halves the rest.
 */
import assert from "node:assert/strict";
import {
  defaultMaxConnections,
  processDescriptorLimit,
  softDescriptorLimit,
} from "../../src/net/descriptor_limit.ts";

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

Deno.test("processDescriptorLimit() reads this process's limit", () => {
  assert.ok(processDescriptorLimit() >= 64);
});
