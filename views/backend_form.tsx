/**
 * @module backend_form
 * The create/edit form of a backend. It swaps its own card:
 * a validation error comes back as this form with the message next to the
 * field and everything typed kept, except the API key, which is write-only.
 */
import type { FC } from "hono/jsx";
import type { BackendFormValues, FormErrors } from "./view_models.ts";
import type { Pool } from "../src/store/rows.ts";
import { CheckField, SelectField, TextAreaField, TextField } from "./fields.tsx";
import { FormCard } from "./form_card.tsx";

/** Element id of the region. */
export const BACKEND_FORM_ID = "backend-form";

const MODELS_EXAMPLE = "gpt-4o*\ntext-embedding-3-small";
const MODEL_MAP_EXAMPLE = "gpt-4o = gpt-4o-2024-08-06\n* = my-default-model";

/** Each resume mode with what it does, in a line. */
export const RESUME_OPTIONS = [
  ["off", "off: a stream that breaks ends with an error"],
  ["prefill", "prefill: resend with the delivered text as a final assistant message to continue"],
  [
    "continue_final_message",
    "continue_final_message: prefill plus vLLM's continue_final_message flag",
  ],
] as const;

/** Each API a backend may speak, with what its base URL is. */
export const API_OPTIONS = [
  ["openai", "openai: an OpenAI-compatible API (chat completions, embeddings, responses)"],
  ["anthropic", "anthropic: Anthropic's Messages API (/v1/messages)"],
] as const;

/** The base URL rule of admin/base_url.ts in a line per API. */
const BASE_URL_HELP = "openai: the API's base up to and including its version " +
  "(https://api.openai.com/v1); Sidecar appends /chat/completions and the like. " +
  "anthropic: the host root (https://api.anthropic.com); Sidecar appends /v1/messages, " +
  "and a /v1 or /v1/messages given is cut back to the root.";

/** Props of {@link BackendForm}. */
export interface BackendFormProps {
  mode: "create" | "edit";
  values: BackendFormValues;
  errors?: FormErrors;
  pools: Pool[];
  csrf: string;
  /** The config file that declares this item: the form is read-only. */
  managedBy?: string | undefined;
  /** Edit: the stored key's hint, shown instead of the key. */
  keyHint?: string;
}

/** The backend form card. */
export const BackendForm: FC<BackendFormProps> = (p) => {
  const e = p.errors ?? {};
  const v = p.values;
  return (
    <FormCard
      id={BACKEND_FORM_ID}
      mode={p.mode}
      noun="backend"
      name={v.name}
      itemId={v.id}
      listHref="/backends"
      csrf={p.csrf}
      formError={e._form}
      managedBy={p.managedBy}
    >
      <TextField
        name="name"
        label="Name"
        value={v.name}
        error={e.name}
        placeholder="OpenAI main"
        required
      />
      {p.mode === "create"
        ? (
          <TextField
            name="id"
            label="ID"
            optional
            value={v.id}
            error={e.id}
            placeholder="openai-main"
            help="A slug for URLs and logs; made from the name when empty."
          />
        )
        : (
          <div class="field">
            <span class="label">ID</span>
            <code>{v.id}</code>
            <span class="help">Fixed once created: requests and cooldowns refer to it.</span>
          </div>
        )}
      <SelectField
        name="api"
        label="API"
        value={v.api}
        error={e.api}
        options={API_OPTIONS}
        help="What the upstream speaks. Clients of either API reach it: Sidecar translates."
        wide
      />
      <TextField
        name="base_url"
        label="Base URL"
        type="url"
        value={v.base_url}
        error={e.base_url}
        placeholder={v.api === "anthropic"
          ? "https://api.anthropic.com"
          : "https://api.openai.com/v1"}
        help={BASE_URL_HELP}
        required
      />
      <TextField
        name="api_key"
        label="API key"
        type="password"
        autocomplete="new-password"
        error={e.api_key}
        placeholder={p.mode === "edit"
          ? (p.keyHint ? `unchanged (${p.keyHint})` : "unchanged (no key)")
          : "sk-…"}
        help={p.mode === "edit"
          ? "Write-only. Leave empty to keep the stored key; type a new one to replace it."
          : "Write-only: stored encrypted, only a hint such as sk-…f3a9 is shown afterwards. Empty for upstreams without auth."}
      />
      <SelectField
        name="pool_id"
        label="Pool"
        value={v.pool_id}
        error={e.pool_id}
        options={p.pools.map((x) => [x.id, `${x.name} (priority ${x.priority})`] as const)}
        help="Pools are tried in priority order, lowest first."
      />
      <TextField
        name="weight"
        label="Weight"
        type="number"
        min={0}
        max={1000}
        value={v.weight}
        error={e.weight}
        help="Share of its pool's traffic; 0 = standby, used only when the rest cannot serve."
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
        help="Sidecar skips the backend once this budget is spent, instead of earning a 429."
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
        help="Charged with each response's real token usage."
      />
      <TextAreaField
        name="models"
        label="Models"
        value={v.models}
        error={e.models}
        rows={5}
        placeholder={MODELS_EXAMPLE}
        help="One per line (or comma-separated). * matches anything: gpt-4o* serves gpt-4o-mini."
      />
      <TextAreaField
        name="model_map"
        label="Model map"
        optional
        value={v.model_map}
        error={e.model_map}
        rows={5}
        placeholder={MODEL_MAP_EXAMPLE}
        help="One per line: requested = sent upstream. * = … renames everything else."
      />
      <SelectField
        name="resume"
        label="Resume broken streams"
        value={v.resume}
        error={e.resume}
        options={RESUME_OPTIONS}
        help="How Sidecar continues a chat stream that breaks after text reached the client."
        wide
      />
      <CheckField
        name="enabled"
        label="Enabled: route requests to this backend"
        checked={v.enabled}
        error={e.enabled}
        wide
      />
    </FormCard>
  );
};
