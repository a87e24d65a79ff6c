/**
 * @module key_routes
 * `/keys`: list, create, edit, rotate (the secret shown once), disable or
 * enable and revoke client keys, and `/keys/:id`, one key's traffic. Every
 * change goes through the same admin operations as `/api/keys`, so a field
 * is refused by the API's own rules, at its field.
 */
import { type Context, Hono } from "hono";
import {
  createKey,
  deleteKey,
  getKey,
  listKeys,
  rotateKey,
  updateKey,
} from "../../admin/client_keys.ts";
import type { AppDeps } from "../../app_deps.ts";
import { configFileName } from "../../admin/managed.ts";
import { KeyDetailPage } from "../../../views/key_detail.tsx";
import { KEY_FORM_ID, KeyForm, type KeyFormProps } from "../../../views/key_form.tsx";
import { KEY_SECRET_ID, KeySecret, type KeySecretProps } from "../../../views/key_secret.tsx";
import { KEYS_TABLE_ID, KeyTable } from "../../../views/key_table.tsx";
import { KeysPage } from "../../../views/keys_page.tsx";
import { FlashOob } from "../../../views/notice.tsx";
import { readForm, toFieldErrors } from "./form_input.ts";
import { keyBody, keyValues, newKeyValues, postedKeyValues } from "./key_form.ts";
import { KEY_HOURS, keyUsage } from "./key_usage.ts";
import type { PageEnv } from "./page_env.ts";
import { afterChange, fragment, isHtmx, page, wantsRegion } from "./render.tsx";
import { signedIn } from "./signed_in.ts";
import { groupLabeler } from "./usage_queries.ts";

type C = Context<PageEnv>;

/** Requests listed on a key's page; "Load older" continues on the requests page. */
const DETAIL_REQUESTS = 20;

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
  const table = (c: C, oob = false) => <KeyTable {...tableProps(c)} oob={oob} />;
  const secretProps = (c: C, issued?: KeySecretProps["issued"]): KeySecretProps => ({
    issued,
    proxyUrl: `${new URL(c.req.url).origin}/v1`,
  });
  const createForm = (c: C): KeyFormProps => ({
    mode: "create",
    values: newKeyValues(),
    csrf: c.var.session.csrf_token,
  });
  const editForm = (c: C, id: string): KeyFormProps => {
    const k = getKey(deps, id);
    return {
      mode: "edit",
      values: keyValues(k),
      csrf: c.var.session.csrf_token,
      keyHint: k.key_hint,
      managedBy: k.managed === "file" ? configFileName(deps.store.meta) : undefined,
    };
  };
  /** The whole page around `form` (and a secret just issued), or the region htmx asked for. */
  const show = (c: C, form: KeyFormProps, status: 200 | 422 = 200, secret = secretProps(c)) => {
    if (wantsRegion(c, KEY_FORM_ID) || (isHtmx(c) && status === 422)) {
      return fragment(c, <KeyForm {...form} />, status);
    }
    if (wantsRegion(c, KEYS_TABLE_ID)) return fragment(c, table(c));
    return page(
      c,
      deps,
      { title: "Client keys", section: "keys" },
      <KeysPage table={tableProps(c)} form={form} secret={secret} />,
      status,
    );
  };
  /**
   * A secret just issued: the secret region (scrolled to) and the table, with
   * `form` when the form asked. Never a redirect, even for a plain post: the
   * secret exists only in this response.
   */
  const issued = (c: C, issue: NonNullable<KeySecretProps["issued"]>, form: KeyFormProps) => {
    const secret = secretProps(c, issue);
    if (!isHtmx(c)) return show(c, form, 200, secret);
    c.header("hx-reswap", `outerHTML show:#${KEY_SECRET_ID}:top`);
    if (wantsRegion(c, KEY_SECRET_ID)) {
      return fragment(
        c,
        <>
          <KeySecret {...secret} />
          {table(c, true)}
        </>,
      );
    }
    return fragment(
      c,
      <>
        <KeyForm {...form} />
        <KeySecret {...secret} oob />
        {table(c, true)}
      </>,
    );
  };
  /** A refused form comes back with the messages at their fields and the input kept. */
  const refused = (c: C, err: unknown, form: KeyFormProps) => {
    const errors = toFieldErrors(err);
    if (!errors) throw err;
    return show(c, { ...form, errors }, 422);
  };

  r.get("/", (c) => show(c, createForm(c)));
  r.get("/:id/edit", (c) => show(c, editForm(c, c.req.param("id"))));

  r.get("/:id", (c) => {
    const k = getKey(deps, c.req.param("id"));
    const now = deps.now();
    deps.store.flush();
    const rows = deps.store.requests.list(DETAIL_REQUESTS + 1, undefined, { key_id: k.id });
    return page(
      c,
      deps,
      { title: k.name, section: "keys" },
      <KeyDetailPage
        k={k}
        now={now}
        usage={keyUsage(deps, k.id, now)}
        hours={KEY_HOURS}
        managedBy={k.managed === "file" ? configFileName(deps.store.meta) : undefined}
        requests={{
          rows: rows.slice(0, DETAIL_REQUESTS),
          more: rows.length > DETAIL_REQUESTS,
          now,
          backendName: groupLabeler(deps, "backend"),
          keyName: groupLabeler(deps, "key"),
          filter: { key_id: k.id },
        }}
      />,
    );
  });

  r.post("/", async (c) => {
    const f = await readForm(c);
    try {
      const k = await createKey(deps, keyBody(f));
      return issued(c, { name: k.name, key: k.key, rotated: false }, createForm(c));
    } catch (err) {
      return refused(c, err, { ...createForm(c), values: postedKeyValues(f) });
    }
  });

  r.post("/:id", async (c) => {
    const id = c.req.param("id");
    const current = editForm(c, id);
    const f = await readForm(c);
    let k;
    try {
      k = await updateKey(deps, id, keyBody(f, current.values));
    } catch (err) {
      return refused(c, err, { ...current, values: postedKeyValues(f, id) });
    }
    if (!isHtmx(c)) return c.redirect("/keys", 303);
    c.header("hx-push-url", "/keys");
    return fragment(
      c,
      <>
        <KeyForm {...createForm(c)} />
        {table(c, true)}
        <FlashOob tone="success">Key "{k.name}" saved.</FlashOob>
      </>,
    );
  });

  r.post("/:id/rotate", async (c) => {
    const k = await rotateKey(deps, c.req.param("id"));
    return issued(c, { name: k.name, key: k.key, rotated: true }, createForm(c));
  });

  r.post("/:id/enabled", async (c) => {
    const f = await readForm(c);
    const k = await updateKey(deps, c.req.param("id"), { enabled: f.enabled === "true" });
    return afterChange(c, () => (
      <>
        {table(c)}
        <FlashOob tone="success">Key "{k.name}" {k.enabled ? "enabled" : "disabled"}.</FlashOob>
      </>
    ), "/keys");
  });

  r.post("/:id/delete", async (c) => {
    const k = getKey(deps, c.req.param("id"));
    await deleteKey(deps, k.id);
    return afterChange(c, () => (
      <>
        {table(c)}
        <FlashOob tone="success">Key "{k.name}" revoked.</FlashOob>
      </>
    ), "/keys");
  });

  return r;
}
