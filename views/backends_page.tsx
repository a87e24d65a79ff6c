/**
 * @module backends_page
 * `/backends`: the list and the create/edit form, each its own region.
 */
import type { FC } from "hono/jsx";
import { BackendForm, type BackendFormProps } from "./backend_form.tsx";
import { BackendTable, type BackendTableProps } from "./backend_table.tsx";

/** The backends page's content. */
export const BackendsPage: FC<{ table: BackendTableProps; form: BackendFormProps }> = (p) => (
  <>
    <div class="page-head">
      <div>
        <h1>Backends</h1>
        <p>
          The providers Sidecar routes to. Keys are stored encrypted; only their hints are shown.
        </p>
      </div>
    </div>
    <BackendTable {...p.table} />
    <BackendForm {...p.form} />
  </>
);
