/**
 * @module prices_page
 * `/prices`: the price table (docs/accounting.md, "Cost") as one form, a row
 * per entry, most specific first, and blank rows to add entries. Saving
 * replaces the table as `PUT /api/prices` does; a bad value is shown at its
 * cell. Entries the config file declares are listed apart, read-only: a
 * save leaves them as they are.
 */
import type { FC } from "hono/jsx";
import type { PriceRecord } from "../src/store/rows.ts";
import { CsrfField } from "./fields.tsx";
import { formatCount, formatUsd } from "./format.ts";
import { Notice } from "./notice.tsx";
import type { FormErrors, FormValues } from "./view_models.ts";

/** Element id of the region. */
export const PRICES_FORM_ID = "prices-form";

/** The columns of a row: an entry's fields, as `PUT /api/prices` names them. */
export const PRICE_COLUMNS = [
  ["model", "Model glob", "gpt-4o*"],
  ["input_per_mtok", "Input", "2.5"],
  ["cached_input_per_mtok", "Cached input", "input"],
  ["output_per_mtok", "Output", "10"],
  ["reasoning_per_mtok", "Reasoning", "output"],
  ["max_output_tokens", "Max output tokens", "4096"],
] as const;

/** Props of {@link PricesForm}. */
export interface PricesFormProps {
  /** The editable entries' fields as entered, blank rows included. */
  rows: FormValues[];
  /** Keyed by field name, `prices[2].input_per_mtok`; `_form` for the whole form. */
  errors?: FormErrors;
  csrf: string;
  /** Entries the config file declares, shown apart. */
  fromFile: PriceRecord[];
  /** The config file's path. */
  managedBy: string;
}

/** A form field's name: `prices[2].input_per_mtok`, the same path a 400's `param` names. */
export function priceField(row: number, column: string): string {
  return `prices[${row}].${column}`;
}

/** The price table form card. */
export const PricesForm: FC<PricesFormProps> = (p) => {
  const e = p.errors ?? {};
  return (
    <section id={PRICES_FORM_ID} class="card">
      {e._form ? <Notice tone="error">{e._form}</Notice> : null}
      <form
        method="post"
        action="/prices"
        hx-post="/prices"
        hx-target={`#${PRICES_FORM_ID}`}
        hx-swap="outerHTML"
        novalidate
      >
        <CsrfField token={p.csrf} />
        <div class="table-wrap">
          <table class="data price-table">
            <thead>
              <tr>
                {PRICE_COLUMNS.map(([column, label]) => <th key={column}>{label}</th>)}
                <th>Remove</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((row, i) => (
                <tr data-price={row.model ?? ""}>
                  {PRICE_COLUMNS.map(([column, label, placeholder]) => {
                    const name = priceField(i, column);
                    const error = e[name];
                    return (
                      <td>
                        <input
                          id={`f-${name}`}
                          name={name}
                          type={column === "model" ? "text" : "number"}
                          step="any"
                          min={column === "model" ? undefined : 0}
                          value={row[column] ?? ""}
                          placeholder={placeholder}
                          aria-label={`${label}, row ${i + 1}`}
                          aria-invalid={error ? "true" : undefined}
                          aria-describedby={error ? `f-${name}-error` : undefined}
                          autocomplete="off"
                        />
                        {error
                          ? <span class="field-error" id={`f-${name}-error`}>{error}</span>
                          : null}
                      </td>
                    );
                  })}
                  <td>
                    <input
                      type="checkbox"
                      name={priceField(i, "remove")}
                      value="on"
                      checked={row.remove === "on"}
                      aria-label={`Remove row ${i + 1}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="form-actions">
          <button class="btn primary" type="submit">Save prices</button>
          <span class="help">
            USD per million tokens. Empty cached or reasoning prices cost as input or output; the
            blank rows add entries, and saving shows new blank rows.
          </span>
        </div>
      </form>
      {p.fromFile.length > 0 ? <FilePrices entries={p.fromFile} managedBy={p.managedBy} /> : null}
    </section>
  );
};

/** The config file's entries: read-only, changed in the file. */
const FilePrices: FC<{ entries: PriceRecord[]; managedBy: string }> = (p) => (
  <>
    <h3>From the config file</h3>
    <p class="managed-note">Managed by {p.managedBy}: change these there.</p>
    <div class="table-wrap">
      <table class="data">
        <thead>
          <tr>{PRICE_COLUMNS.map(([column, label]) => <th key={column}>{label}</th>)}</tr>
        </thead>
        <tbody>
          {p.entries.map((e) => (
            <tr data-price={e.model}>
              <td class="mono">{e.model}</td>
              <td class="num">{formatUsd(e.input_per_mtok)}</td>
              <td class="num">{formatUsd(e.cached_input_per_mtok)}</td>
              <td class="num">{formatUsd(e.output_per_mtok)}</td>
              <td class="num">{formatUsd(e.reasoning_per_mtok)}</td>
              <td class="num">
                {e.max_output_tokens === null ? "—" : formatCount(e.max_output_tokens)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  </>
);

/** `/prices` page content. */
export const PricesPage: FC<PricesFormProps> = (p) => (
  <>
    <div class="page-head">
      <div>
        <h1>Prices</h1>
        <p>
          What each model costs, for the cost of every request and for budgets. The most specific
          glob that matches applies: an exact name, then the longest text before the first{" "}
          <code>*</code>. A backend's own prices win for that backend. The same table is at{" "}
          <code>GET/PUT /api/prices</code>.
        </p>
      </div>
    </div>
    <PricesForm {...p} />
  </>
);
