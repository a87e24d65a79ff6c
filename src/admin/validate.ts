/**
 * @module validate
 * Turns zod failures into the contract's 400 with the failing field in `param`.
 */
import type { z } from "zod";
import { BadRequestError } from "../errors.ts";

/** Parses `data` with `schema` or throws a {@link BadRequestError} naming the field. */
export function parseInput<T extends z.ZodType>(schema: T, data: unknown): z.infer<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let param = issue.path.map(String).join(".") || null;
  let message = issue.message;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    param = [...issue.path.map(String), key].join(".");
    message = `Unknown field "${key}"`;
  } else if (param) {
    message = `Invalid "${param}": ${message}`;
  }
  return fail(message, param);
}

function fail(message: string, param: string | null): never {
  throw new BadRequestError(message, param);
}
