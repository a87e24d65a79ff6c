/**
 * @module settings_form
 * The gateway config (docs/api.md) as one form: every field with its unit,
 * what it does, its range and default, and the current value in words.
 */
import type { FC } from "hono/jsx";
import { SETTING_GROUPS } from "../src/http/pages/settings_fields.ts";
import type { FormErrors, FormValues, SettingSpec } from "./view_models.ts";
import { CheckField, CsrfField, TextField } from "./fields.tsx";
import { formatBytes, formatSeconds } from "./format.ts";
import { Notice } from "./notice.tsx";

/** Element id of the region. */
export const SETTINGS_FORM_ID = "settings-form";

const UNIT_LABEL: Record<SettingSpec["unit"], string> = {
  s: "seconds",
  ms: "ms",
  bytes: "bytes",
  days: "days",
  count: "",
  bool: "",
};

/** A value of a field in words: `120000` ms reads `2 min`. */
export function humanValue(spec: SettingSpec, value: number | boolean): string {
  if (typeof value === "boolean") return value ? "on" : "off";
  switch (spec.unit) {
    case "s":
      return formatSeconds(value);
    case "ms":
      return value < 1000 ? `${value} ms` : formatSeconds(value / 1000);
    case "bytes":
      return formatBytes(value);
    case "days":
      return `${value} day${value === 1 ? "" : "s"}`;
    default:
      return String(value);
  }
}

/** Props of {@link SettingsForm}. */
export interface SettingsFormProps {
  specs: Record<SettingSpec["key"], SettingSpec>;
  values: FormValues;
  errors?: FormErrors;
  csrf: string;
  /** Fields the config file sets: shown disabled, with a note naming the file. */
  managed?: ReadonlySet<string>;
  /** The config file's path. */
  managedBy?: string;
}

/** The settings form card. */
export const SettingsForm: FC<SettingsFormProps> = (p) => {
  const e = p.errors ?? {};
  return (
    <section id={SETTINGS_FORM_ID} class="card">
      {e._form ? <Notice tone="error">{e._form}</Notice> : null}
      <form
        method="post"
        action="/settings"
        hx-post="/settings"
        hx-target={`#${SETTINGS_FORM_ID}`}
        hx-swap="outerHTML"
        novalidate
      >
        <CsrfField token={p.csrf} />
        {SETTING_GROUPS.map((g) => (
          <fieldset>
            <legend>{g.title}</legend>
            {g.intro ? <p class="help">{g.intro}</p> : null}
            <div class="form-grid">
              {g.keys.map((key) => {
                const s = p.specs[key];
                const raw = p.values[key] ?? "";
                const fromFile = p.managed?.has(key) ?? false;
                const fileNote = fromFile
                  ? <span class="managed-note">Managed by {p.managedBy ?? "the config file"}.</span>
                  : null;
                if (s.unit === "bool") {
                  return (
                    <CheckField
                      name={key}
                      label={s.label}
                      checked={raw !== ""}
                      error={e[key]}
                      disabled={fromFile}
                      help={
                        <>
                          {`${s.help} Default: ${humanValue(s, s.default)}.`} {fileNote}
                        </>
                      }
                    />
                  );
                }
                const n = Number(raw);
                const now = raw !== "" && Number.isFinite(n) ? ` Now ${humanValue(s, n)}.` : "";
                const range = s.min !== null && s.max !== null
                  ? ` Range ${humanValue(s, s.min)} – ${humanValue(s, s.max)};`
                  : "";
                return (
                  <TextField
                    name={key}
                    label={s.label}
                    type="number"
                    value={raw}
                    min={s.min ?? undefined}
                    max={s.max ?? undefined}
                    step={1}
                    unit={UNIT_LABEL[s.unit]}
                    error={e[key]}
                    disabled={fromFile}
                    help={
                      <>
                        {fileNote}
                        {fileNote ? <br /> : null}
                        {s.help}
                        <br />
                        <code>{key}</code>.{now}
                        {range} default {humanValue(s, s.default)}.
                      </>
                    }
                  />
                );
              })}
            </div>
          </fieldset>
        ))}
        <div class="form-actions">
          <button class="btn primary" type="submit">Save settings</button>
          <span class="help">Changes apply to the next request; no restart needed.</span>
        </div>
      </form>
    </section>
  );
};

/** `/settings` page content. */
export const SettingsPage: FC<SettingsFormProps> = (p) => (
  <>
    <div class="page-head">
      <div>
        <h1>Settings</h1>
        <p>
          How Sidecar rides out rate limits and failures. The same values are at{" "}
          <code>GET/PATCH /api/config</code>.
        </p>
      </div>
    </div>
    <SettingsForm {...p} />
  </>
);
