/**
 * @module config_issue
 * One problem found in a config file, with where it is: a path such as
 * `backends[1].base_url`, or `line 4` when the YAML itself is broken
 * (docs/config.md, "Validation").
 */
import type { z } from "zod";

/** A problem and where it is. */
export interface ConfigIssue {
  /** `backends[1].base_url`, `settings.pool_retries`, `line 4`, or `""` for the whole file. */
  path: string;
  message: string;
}

/** `["backends", 1, "base_url"]` → `backends[1].base_url`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Every zod issue as a config issue; an unknown field is named in the path. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({ path: formatPath([...issue.path, key]), message: "Unknown field" });
      }
    } else out.push({ path: formatPath(issue.path), message: issue.message });
  }
  return out;
}

/** `backends[1].api_key: Environment variable X is not set`, one issue a line. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("\n");
}
