/**
 * @module parse_config_file
 * A config file's text to a validated {@link ConfigFile}, or every issue
 * with its path (docs/config.md): YAML (JSON is YAML, so one parser reads
 * both), then `${VAR}` references, then the schema, then references between
 * items and to the database. Nothing is applied here.
 */
import { LineCounter, parseDocument } from "yaml";
import { type ConfigIssue, fromZodIssues } from "./config_issue.ts";
import { ConfigFile } from "./config_schema.ts";
import { checkReferences, type StoredIds } from "./check_references.ts";
import { type EnvLookup, substituteEnv } from "./env_refs.ts";

/** A file that may be applied, or why not. */
export type ParsedConfig =
  | { ok: true; config: ConfigFile }
  | { ok: false; issues: ConfigIssue[] };

/** Validates the whole of `text`; `stored` is what the database holds now. */
export function parseConfigText(text: string, env: EnvLookup, stored: StoredIds): ParsedConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({
        path: `line ${lines.linePos(e.pos[0]).line}`,
        message: `Invalid YAML: ${e.message.split("\n")[0]}`,
      })),
    };
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (raw === null || raw === undefined) {
    // An empty file would delete every item the file made; a half-written one looks the same.
    return { ok: false, issues: [{ path: "", message: "The file is empty: write {} for none" }] };
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return {
      ok: false,
      issues: [{ path: "", message: "The file must be a mapping (settings, pools, ...)" }],
    };
  }
  const { value, issues } = substituteEnv(raw, env);
  const parsed = ConfigFile.safeParse(value);
  if (!parsed.success) {
    return { ok: false, issues: [...issues, ...fromZodIssues(parsed.error.issues)] };
  }
  if (issues.length > 0) return { ok: false, issues };
  const refs = checkReferences(parsed.data, stored);
  return refs.length > 0 ? { ok: false, issues: refs } : { ok: true, config: parsed.data };
}

/** Reads and validates the file at `path`; a file that cannot be read is one issue. */
export async function readConfigFile(
  path: string,
  env: EnvLookup,
  stored: StoredIds,
): Promise<ParsedConfig> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    return {
      ok: false,
      issues: [{ path: "", message: `Cannot read ${path}: ${(err as Error).message}` }],
    };
  }
  return parseConfigText(text, env, stored);
}
