/**
 * @module keys_page
 * `/keys`: the client keys applications use, and creating one.
 */
import type { FC } from "hono/jsx";
import { KeyForm, type KeyFormProps } from "./key_form.tsx";
import { KeyTable, type KeyTableProps } from "./key_table.tsx";

/** The keys page's content. */
export const KeysPage: FC<{ table: KeyTableProps; form: KeyFormProps }> = (p) => (
  <>
    <div class="page-head">
      <div>
        <h1>Client keys</h1>
        <p>Applications authenticate to the proxy with these. Only a hash of each is stored.</p>
      </div>
    </div>
    <KeyForm {...p.form} />
    <KeyTable {...p.table} />
  </>
);
