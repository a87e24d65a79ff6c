/**
 * @module price_routes
 * `/prices`: the price table, saved through `replacePrices` like
 * `PUT /api/prices`. Form fields are named as the API's `param` names them
 * (`prices[2].input_per_mtok`), so a refused value is shown at its cell.
 */
import { type Context, Hono } from "hono";
import { configFileName } from "../../admin/managed.ts";
import { listPrices, replacePrices } from "../../admin/prices.ts";
import type { AppDeps } from "../../app_deps.ts";
import { SidecarError } from "../../errors.ts";
import type { PriceRecord } from "../../store/rows.ts";
import { FlashOob } from "../../../views/notice.tsx";
import {
  PRICE_COLUMNS,
  priceField,
  PRICES_FORM_ID,
  PricesForm,
  type PricesFormProps,
  PricesPage,
} from "../../../views/prices_page.tsx";
import type { FormErrors, FormValues } from "../../../views/view_models.ts";
import { numberField, readForm } from "./form_input.ts";
import type { PageEnv } from "./page_env.ts";
import { fragment, isHtmx, page, wantsRegion } from "./render.tsx";
import { signedIn } from "./signed_in.ts";

type C = Context<PageEnv>;

/** Blank rows under the table, for new entries. */
const BLANK_ROWS = 3;

/** Builds the `/prices` sub-app. */
export function pricePages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));

  const props = (c: C, rows?: FormValues[], errors?: FormErrors): PricesFormProps => {
    const table = listPrices(deps);
    const editable = table.filter((e) => e.managed !== "file").map(valuesOf);
    return {
      rows: rows ?? [...editable, ...Array.from({ length: BLANK_ROWS }, () => ({}))],
      fromFile: table.filter((e) => e.managed === "file"),
      csrf: c.var.session.csrf_token,
      managedBy: configFileName(deps.store.meta),
      ...(errors ? { errors } : {}),
    };
  };
  const show = (c: C, p: PricesFormProps, status: 200 | 422 = 200) => {
    if (wantsRegion(c, PRICES_FORM_ID) || (isHtmx(c) && status === 422)) {
      return fragment(c, <PricesForm {...p} />, status);
    }
    return page(c, deps, { title: "Prices", section: "prices" }, <PricesPage {...p} />, status);
  };

  r.get("/", (c) => show(c, props(c)));

  r.post("/", async (c) => {
    const rows = postedRows(await readForm(c));
    // Rows left blank or ticked for removal are not sent: `sent[j]` is the row of entry j.
    const sent = rows.flatMap((row, i) => (kept(row) ? [i] : []));
    try {
      replacePrices(deps, { prices: sent.map((i) => entryOf(rows[i]!)) });
    } catch (err) {
      const errors = fieldErrors(err, sent);
      if (!errors) throw err;
      return show(c, props(c, rows, errors), 422);
    }
    if (!isHtmx(c)) return c.redirect("/prices", 303);
    return fragment(
      c,
      <>
        <PricesForm {...props(c)} />
        <FlashOob tone="success">Prices saved; they apply from the next request.</FlashOob>
      </>,
    );
  });

  return r;
}

/** A stored entry as the form shows it: numbers as typed, no price as an empty cell. */
function valuesOf(e: PriceRecord): FormValues {
  const out: FormValues = {};
  for (const [column] of PRICE_COLUMNS) {
    const v = e[column];
    out[column] = v === null ? "" : String(v);
  }
  return out;
}

/** The posted rows by index, `prices[2].model` and so on. */
function postedRows(form: FormValues): FormValues[] {
  const rows: FormValues[] = [];
  for (const [name, value] of Object.entries(form)) {
    const m = /^prices\[(\d{1,5})\]\.([a-z_]+)$/.exec(name);
    if (!m) continue;
    const i = Number(m[1]);
    for (let k = rows.length; k <= i; k++) rows.push({});
    rows[i]![m[2]!] = value;
  }
  return rows;
}

/** A row that is an entry: not ticked for removal, and not left blank. */
function kept(row: FormValues): boolean {
  if (row.remove === "on") return false;
  return PRICE_COLUMNS.some(([column]) => (row[column] ?? "").trim() !== "");
}

/** The entry a row stands for; the schema says what is wrong with it. */
function entryOf(row: FormValues): Record<string, unknown> {
  return {
    model: row.model ?? "",
    input_per_mtok: numberField(row.input_per_mtok, undefined),
    cached_input_per_mtok: numberField(row.cached_input_per_mtok, null),
    output_per_mtok: numberField(row.output_per_mtok, undefined),
    reasoning_per_mtok: numberField(row.reasoning_per_mtok, null),
    max_output_tokens: numberField(row.max_output_tokens, null),
  };
}

/**
 * A refusal's message at the cell it names: the API's `prices[j].field` of
 * entry j is the form's `prices[i].field` of the row it came from.
 */
function fieldErrors(err: unknown, sent: readonly number[]): FormErrors | undefined {
  if (!(err instanceof SidecarError) || (err.status !== 400 && err.status !== 409)) {
    return undefined;
  }
  const m = /^prices\[(\d+)\]\.([a-z_]+)$/.exec(err.param ?? "");
  const row = m ? sent[Number(m[1])] : undefined;
  if (!m || row === undefined) return { _form: err.message };
  return { [priceField(row, m[2]!)]: err.message.replace(/^Invalid "[^"]*": /, "") };
}
