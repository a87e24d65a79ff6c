/**
 * @module request_filters
 * The requests page's filter form: key, backend, model and outcome, each an
 * exact value. The filters live in the query string, so a filtered list can
 * be bookmarked, paged and refreshed.
 */
import type { FC } from "hono/jsx";
import { OUTCOMES } from "../src/proxy/request_outcome.ts";
import type { RequestFilter } from "../src/store/request_repo.ts";
import { isFiltered, REQUESTS_TABLE_ID } from "./request_table.tsx";

/** Props of {@link RequestFilters}. */
export interface RequestFiltersProps {
  filter: RequestFilter;
  keys: { id: string; name: string }[];
  backends: { id: string; name: string }[];
}

const Choice: FC<{
  name: string;
  label: string;
  all: string;
  value: string | undefined;
  options: readonly (readonly [string, string])[];
}> = (p) => (
  <div class="field">
    <label for={`f-${p.name}`}>{p.label}</label>
    <select id={`f-${p.name}`} name={p.name}>
      <option value="" selected={p.value === undefined}>{p.all}</option>
      {p.options.map(([value, label]) => (
        <option value={value} selected={value === p.value}>{label}</option>
      ))}
    </select>
  </div>
);

/**
 * The filter form: a change redraws the table in place and puts the filters
 * in the address bar; without JavaScript it is a plain GET form.
 */
export const RequestFilters: FC<RequestFiltersProps> = (p) => (
  <div class="card">
    <form
      method="get"
      action="/requests"
      class="inline-form"
      hx-get="/requests"
      hx-target={`#${REQUESTS_TABLE_ID}`}
      hx-swap="outerHTML"
      hx-push-url="true"
      hx-trigger="change, submit"
    >
      <Choice
        name="key_id"
        label="Key"
        all="All keys"
        value={p.filter.key_id}
        options={p.keys.map((k) => [k.id, `${k.name} (${k.id})`] as const)}
      />
      <Choice
        name="backend_id"
        label="Backend"
        all="All backends"
        value={p.filter.backend_id}
        options={p.backends.map((b) => [b.id, `${b.name} (${b.id})`] as const)}
      />
      <div class="field">
        <label for="f-model">Model</label>
        <input
          id="f-model"
          name="model"
          type="text"
          value={p.filter.model ?? ""}
          placeholder="any model, e.g. gpt-4o-mini"
          autocomplete="off"
        />
      </div>
      <Choice
        name="outcome"
        label="Outcome"
        all="Any outcome"
        value={p.filter.outcome}
        options={OUTCOMES.map((o) => [o, o.replaceAll("_", " ")] as const)}
      />
      <button class="btn" type="submit">Filter</button>
      {isFiltered(p.filter) ? <a class="btn" href="/requests">Clear</a> : null}
    </form>
  </div>
);
