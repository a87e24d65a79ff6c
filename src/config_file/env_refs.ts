/**
 * @module env_refs
 * `${VAR}` references in the config file's string values, replaced from the
 * environment before validation (docs/config.md, "Environment references"),
 * so provider keys live in the environment and never in the file. `$${` is a
 * literal `${`.
 */
import { type ConfigIssue, formatPath } from "./config_issue.ts";

const REF = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{([^}]*)\}?/g;

/** Reads one environment variable; undefined when unset. */
export type EnvLookup = (name: string) => string | undefined;

/**
 * A copy of `value` with every `${VAR}` in its strings replaced; each unset
 * or malformed reference is an issue at the string's path. Object keys are
 * left as they are.
 */
export function substituteEnv(
  value: unknown,
  env: EnvLookup,
): { value: unknown; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const walk = (v: unknown, path: PropertyKey[]): unknown => {
    if (typeof v === "string") return replaceRefs(v, env, path, issues);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v).map(([k, item]) => [k, walk(item, [...path, k])]),
      );
    }
    return v;
  };
  return { value: walk(value, []), issues };
}

function replaceRefs(
  text: string,
  env: EnvLookup,
  path: PropertyKey[],
  issues: ConfigIssue[],
): string {
  return text.replace(REF, (match, name: string | undefined, bad: string | undefined) => {
    if (match === "$${") return "${";
    if (name !== undefined) {
      const found = env(name);
      if (found !== undefined) return found;
      issues.push({ path: formatPath(path), message: `Environment variable ${name} is not set` });
      return "";
    }
    issues.push({
      path: formatPath(path),
      message: `Invalid reference "\${${bad ?? ""}": use \${NAME} with letters, digits and _`,
    });
    return "";
  });
}
