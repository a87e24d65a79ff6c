/**
 * @module key_form
 * The create/edit form of a client key, every field of its policy
 * (docs/keys.md). It swaps its own card: a refused field comes back as this
 * form with the message next to that field and everything typed kept. The
 * secret is never a form value: it is shown once, by key_secret.tsx.
 */
import type { FC } from "hono/jsx";
import { BUDGET_PERIODS } from "../src/keys/key_policy.ts";
import type { FormErrors } from "./view_models.ts";
import { CheckField, SelectField, TextAreaField, TextField } from "./fields.tsx";
import { FormCard } from "./form_card.tsx";

/** Element id of the region. */
export const KEY_FORM_ID = "key-form";

const MODELS_EXAMPLE = "gpt-4o*\nclaude-*";
const METADATA_EXAMPLE = '{"team": "billing"}';

/** What the key form shows, all text as typed. */
export interface KeyFormValues {
  id: string;
  name: string;
  /** One glob per line; empty: every model. */
  models: string;
  rpm_limit: string;
  tpm_limit: string;
  max_concurrent: string;
  budget_usd: string;
  /** `""` for none. */
  budget_period: string;
  /** A `datetime-local` value, UTC; empty: never. */
  expires_at: string;
  enabled: boolean;
  /** JSON text; empty: `{}`. */
  metadata: string;
}

const PERIOD_LABELS: Record<typeof BUDGET_PERIODS[number], string> = {
  day: "per day (UTC)",
  week: "per week (from Monday, UTC)",
  month: "per month (from the 1st, UTC)",
  total: "in total (never starts again)",
};

/** The budget period choices, "none" first. */
export const PERIOD_OPTIONS = [
  ["", "no budget period"],
  ...BUDGET_PERIODS.map((p) => [p, PERIOD_LABELS[p]] as const),
] as const;

/** Props of {@link KeyForm}. */
export interface KeyFormProps {
  mode: "create" | "edit";
  values: KeyFormValues;
  errors?: FormErrors;
  csrf: string;
  /** The config file that declares this key: the form is read-only. */
  managedBy?: string | undefined;
  /** Edit: the secret's hint. */
  keyHint?: string;
}

/** The key form card. */
export const KeyForm: FC<KeyFormProps> = (p) => {
  const e = p.errors ?? {};
  const v = p.values;
  return (
    <FormCard
      id={KEY_FORM_ID}
      mode={p.mode}
      noun="client key"
      name={v.name}
      itemId={v.id}
      listHref="/keys"
      csrf={p.csrf}
      formError={e._form}
      managedBy={p.managedBy}
    >
      <TextField
        name="name"
        label="Name"
        value={v.name}
        error={e.name}
        placeholder="billing-service"
        help="One key per application, so each is counted, limited and revoked on its own."
        required
      />
      {p.mode === "edit"
        ? (
          <div class="field">
            <span class="label">ID and secret</span>
            <code>{v.id}</code>
            <span class="help">
              {p.keyHint ? <>Secret {p.keyHint}; rotate it from the list.</> : "From its hash."}
            </span>
          </div>
        )
        : null}
      <TextAreaField
        name="models"
        label="Models"
        optional
        value={v.models}
        error={e.models}
        rows={3}
        placeholder={MODELS_EXAMPLE}
        help="One per line (or comma-separated); * matches anything. Empty: every model. Others are refused with 403."
      />
      <TextField
        name="rpm_limit"
        label="Requests per minute"
        optional
        type="number"
        min={1}
        value={v.rpm_limit}
        error={e.rpm_limit}
        placeholder="unlimited"
        help="A token bucket like a backend's; beyond it 429 with Retry-After."
      />
      <TextField
        name="tpm_limit"
        label="Tokens per minute"
        optional
        type="number"
        min={1}
        value={v.tpm_limit}
        error={e.tpm_limit}
        placeholder="unlimited"
        help="Charged with each answer's real usage."
      />
      <TextField
        name="max_concurrent"
        label="Requests at once"
        optional
        type="number"
        min={1}
        value={v.max_concurrent}
        error={e.max_concurrent}
        placeholder="unlimited"
        help="In flight at the same time; beyond it 429."
      />
      <TextField
        name="budget_usd"
        label="Budget"
        optional
        type="number"
        min={0}
        step={0.01}
        unit="USD"
        value={v.budget_usd}
        error={e.budget_usd}
        placeholder="unlimited"
        help="Spend allowed per period; needs a period. Beyond it 403 budget_exceeded."
      />
      <SelectField
        name="budget_period"
        label="Budget period"
        value={v.budget_period}
        error={e.budget_period}
        options={PERIOD_OPTIONS}
        help="When the budget starts again."
      />
      <TextField
        name="expires_at"
        label="Expires"
        optional
        type="datetime-local"
        value={v.expires_at}
        error={e.expires_at}
        help="UTC. From this instant on the key is refused (401 key_expired). Empty: never."
      />
      <TextAreaField
        name="metadata"
        label="Metadata"
        optional
        value={v.metadata}
        error={e.metadata}
        rows={3}
        placeholder={METADATA_EXAMPLE}
        help="A JSON object of your own tags, up to 4 KiB; Sidecar never reads it."
        wide
      />
      <CheckField
        name="enabled"
        label="Enabled: requests with this key are served"
        checked={v.enabled}
        error={e.enabled}
        wide
      />
    </FormCard>
  );
};
