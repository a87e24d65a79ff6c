/**
 * @module key_routes
 * `/keys`: create (the key is shown once) and revoke client keys.
 */
import { type Context, Hono } from "hono";
import { createKey, deleteKey, listKeys } from "../../admin/client_keys.ts";
import type { AppDeps } from "../../app_deps.ts";
import { configFileName } from "../../admin/managed.ts";
import { NotFoundError } from "../../errors.ts";
import { KEY_FORM_ID, KeyForm, type KeyFormProps } from "../../../views/key_form.tsx";
import { KEYS_TABLE_ID, KeyTable } from "../../../views/key_table.tsx";
import { KeysPage } from "../../../views/keys_page.tsx";
import { FlashOob } from "../../../views/notice.tsx";
import { readForm, toFieldErrors } from "./form_input.ts";
import type { PageEnv } from "./page_env.ts";
import { afterChange, fragment, isHtmx, page, wantsRegion } from "./render.tsx";
import { signedIn } from "./signed_in.ts";

type C = Context<PageEnv>;

/** Builds the `/keys` sub-app. */
export function keyPages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));

  const tableProps = (c: C) => ({
    keys: listKeys(deps),
    csrf: c.var.session.csrf_token,
    now: deps.now(),
    managedBy: configFileName(deps.store.meta),
  });
  const formProps = (c: C, extra: Partial<KeyFormProps> = {}): KeyFormProps => ({
    csrf: c.var.session.csrf_token,
    proxyUrl: `${new URL(c.req.url).origin}/v1`,
    ...extra,
  });
  const show = (c: C, form: KeyFormProps, status: 200 | 422 = 200) => {
    if (wantsRegion(c, KEY_FORM_ID) || (isHtmx(c) && status === 422)) {
      return fragment(c, <KeyForm {...form} />, status);
    }
    if (wantsRegion(c, KEYS_TABLE_ID)) return fragment(c, <KeyTable {...tableProps(c)} />);
    return page(
      c,
      deps,
      { title: "Client keys", section: "keys" },
      <KeysPage table={tableProps(c)} form={form} />,
      status,
    );
  };

  r.get("/", (c) => show(c, formProps(c)));

  r.post("/", async (c) => {
    const f = await readForm(c);
    let created;
    try {
      created = await createKey(deps, { name: f.name ?? "" });
    } catch (err) {
      const errors = toFieldErrors(err);
      if (!errors) throw err;
      return show(c, formProps(c, { name: f.name ?? "", errors }), 422);
    }
    const form = formProps(c, { created: { name: created.name, key: created.key } });
    // No redirect even for a plain post: the key exists only in this response.
    if (!isHtmx(c)) return show(c, form);
    return fragment(
      c,
      <>
        <KeyForm {...form} />
        <KeyTable {...tableProps(c)} oob />
      </>,
    );
  });

  r.post("/:id/delete", async (c) => {
    const id = c.req.param("id");
    const key = listKeys(deps).find((k) => k.id === id);
    if (!key) throw new NotFoundError(`No client key "${id}"`);
    await deleteKey(deps, id);
    return afterChange(c, () => (
      <>
        <KeyTable {...tableProps(c)} />
        <FlashOob tone="success">Key "{key.name}" revoked.</FlashOob>
      </>
    ), "/keys");
  });

  return r;
}
