/**
 * @module login_page
 * `/login`: the admin token in, a session cookie out.
 */
import type { FC } from "hono/jsx";
import { assetUrl } from "../src/http/pages/static_assets.ts";
import { TextField } from "./fields.tsx";
import { BareLayout } from "./layout.tsx";
import { Notice } from "./notice.tsx";

/** The sign-in page; `error` explains a refused attempt. */
export const LoginPage: FC<{ next: string; error?: string }> = ({ next, error }) => (
  <BareLayout title="Sign in">
    <div class="login">
      <div class="brand">
        <img src={assetUrl("favicon.svg")} alt="" />
        Sidecar
      </div>
      <div class="card">
        <h2>Sign in to the dashboard</h2>
        {error ? <Notice tone="error">{error}</Notice> : null}
        <form method="post" action="/login">
          <input type="hidden" name="next" value={next} />
          <TextField
            name="token"
            label="Admin token"
            type="password"
            required
            autofocus
            autocomplete="current-password"
            help="Printed once when Sidecar first started, or set with SIDECAR_ADMIN_TOKEN."
          />
          <button class="btn primary" type="submit">Sign in</button>
        </form>
      </div>
    </div>
  </BareLayout>
);

/** `/logout` opened as a link: one button to confirm. */
export const LogoutPage: FC<{ csrf: string }> = ({ csrf }) => (
  <BareLayout title="Sign out">
    <div class="login">
      <div class="card">
        <h2>Sign out of the dashboard?</h2>
        <form method="post" action="/logout">
          <input type="hidden" name="_csrf" value={csrf} />
          <button class="btn primary" type="submit">Sign out</button>
        </form>
        <p>
          <a href="/">Back to the overview</a>
        </p>
      </div>
    </div>
  </BareLayout>
);
