/**
 * @module keys_page
 * `/keys`: the client keys applications use, a secret just issued (shown
 * once), and the create/edit form, each its own region.
 */
import type { FC } from "hono/jsx";
import { KeyForm, type KeyFormProps } from "./key_form.tsx";
import { KeySecret, type KeySecretProps } from "./key_secret.tsx";
import { KeyTable, type KeyTableProps } from "./key_table.tsx";

/** The keys page's content. */
export const KeysPage: FC<{ table: KeyTableProps; form: KeyFormProps; secret: KeySecretProps }> = (
  p,
) => (
  <>
    <div class="page-head">
      <div>
        <h1>Client keys</h1>
        <p>
          Applications authenticate to the proxy with these, each held to its own policy. Only a
          hash of each is stored.
        </p>
      </div>
    </div>
    <KeySecret {...p.secret} />
    <KeyTable {...p.table} />
    <KeyForm {...p.form} />
  </>
);
