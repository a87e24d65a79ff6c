/**
 * @module settings_routes
 * `/settings`: the gateway config, saved through `patchConfig` like
 * `PATCH /api/config`.
 */
import { type Context, Hono } from "hono";
import { getConfig, patchConfig } from "../../admin/gateway_settings.ts";
import type { AppDeps } from "../../app_deps.ts";
import { configFileName } from "../../admin/managed.ts";
import { FlashOob } from "../../../views/notice.tsx";
import {
  SETTINGS_FORM_ID,
  SettingsForm,
  type SettingsFormProps,
  SettingsPage,
} from "../../../views/settings_form.tsx";
import { readForm, toFieldErrors } from "./form_input.ts";
import type { PageEnv } from "./page_env.ts";
import { fragment, isHtmx, page, wantsRegion } from "./render.tsx";
import { settingsBody, settingSpecs, settingsValues } from "./settings_fields.ts";
import { signedIn } from "./signed_in.ts";

/** Builds the `/settings` sub-app. */
export function settingsPages(deps: AppDeps): Hono<PageEnv> {
  const r = new Hono<PageEnv>();
  r.use("*", ...signedIn(deps));

  const props = (c: Context<PageEnv>, values = settingsValues(getConfig(deps))) => ({
    specs: settingSpecs(),
    values,
    csrf: c.var.session.csrf_token,
    managed: new Set(deps.store.config.managedFields()),
    managedBy: configFileName(deps.store.meta),
  });
  const show = (c: Context<PageEnv>, p: SettingsFormProps, status: 200 | 422 = 200) => {
    if (wantsRegion(c, SETTINGS_FORM_ID) || (isHtmx(c) && status === 422)) {
      return fragment(c, <SettingsForm {...p} />, status);
    }
    return page(
      c,
      deps,
      { title: "Settings", section: "settings" },
      <SettingsPage {...p} />,
      status,
    );
  };

  r.get("/", (c) => show(c, props(c)));

  r.post("/", async (c) => {
    const f = await readForm(c);
    try {
      // Fields the config file sets are shown disabled, so the form does not send them.
      patchConfig(deps, settingsBody(f, new Set(deps.store.config.managedFields())));
    } catch (err) {
      const errors = toFieldErrors(err);
      if (!errors) throw err;
      return show(c, { ...props(c, f), errors }, 422);
    }
    if (!isHtmx(c)) return c.redirect("/settings", 303);
    return fragment(
      c,
      <>
        <SettingsForm {...props(c)} />
        <FlashOob tone="success">Settings saved; they apply from the next request.</FlashOob>
      </>,
    );
  });

  return r;
}
