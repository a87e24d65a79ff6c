/**
 * @module form_input
 * Reading form posts and mapping the admin layer's validation errors (a
 * `SidecarError` whose `param` names the field) back onto form fields.
 */
import type { Context } from "hono";
import { SidecarError } from "../../errors.ts";
import type { FormErrors, FormValues } from "../../../views/view_models.ts";

/** The posted form as strings. */
export async function readForm(c: Context): Promise<FormValues> {
  const body = await c.req.parseBody();
  const out: FormValues = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string" && k !== "_csrf") out[k] = v;
  }
  return out;
}

/**
 * The field errors of a validation failure (400 or 409), or undefined when
 * `err` is something else (a 404, a bug), which the caller rethrows.
 * `param` "models.2" is shown at the `models` field; the message drops the
 * `Invalid "param": ` prefix since it sits next to that field.
 */
export function toFieldErrors(err: unknown): FormErrors | undefined {
  if (!(err instanceof SidecarError) || (err.status !== 400 && err.status !== 409)) {
    return undefined;
  }
  if (!err.param) return { _form: err.message };
  const field = err.param.split(".")[0]!;
  return { [field]: err.message.replace(/^Invalid "[^"]*": /, "") };
}

/**
 * A number field: empty gives `empty`; a number gives the number; anything
 * else is passed through so the schema reports it against the field.
 */
export function numberField<E>(value: string | undefined, empty: E): number | string | E {
  const v = (value ?? "").trim().replaceAll("_", "").replaceAll(",", "");
  if (v === "") return empty;
  const n = Number(v);
  return Number.isFinite(n) ? n : (value ?? "");
}
