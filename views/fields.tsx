/**
 * @module fields
 * Form fields with their label, help and validation message: the message
 * sits next to the field it is about, and the entered value is kept.
 */
import type { Child, FC } from "hono/jsx";

/** Props every field takes. */
interface FieldBase {
  name: string;
  label: string;
  error?: string | undefined;
  help?: Child;
  /** Span both columns of a `.form-grid`. */
  wide?: boolean;
  optional?: boolean;
  /** Shown but not editable (a setting the config file sets). */
  disabled?: boolean;
}

const FieldShell: FC<FieldBase & { children?: Child }> = (p) => (
  <div class={p.wide ? "field wide" : "field"}>
    <label for={`f-${p.name}`}>
      {p.label}
      {p.optional ? <span class="optional">(optional)</span> : null}
    </label>
    {p.children}
    {p.help ? <span class="help" id={`f-${p.name}-help`}>{p.help}</span> : null}
    {p.error ? <span class="field-error" id={`f-${p.name}-error`}>{p.error}</span> : null}
  </div>
);

/** `aria-*` wiring of an input to its help and error. */
function aria(p: FieldBase): Record<string, string | undefined> {
  const ids = [p.help ? `f-${p.name}-help` : "", p.error ? `f-${p.name}-error` : ""]
    .filter(Boolean).join(" ");
  return {
    "aria-invalid": p.error ? "true" : undefined,
    "aria-describedby": ids || undefined,
  };
}

/** A one-line text input. */
export const TextField: FC<
  FieldBase & {
    value?: string;
    type?: "text" | "url" | "password" | "number" | "datetime-local";
    placeholder?: string;
    required?: boolean;
    autocomplete?: string;
    autofocus?: boolean;
    min?: number;
    max?: number;
    step?: number;
    unit?: string;
  }
> = (p) => {
  const input = (
    <input
      id={`f-${p.name}`}
      name={p.name}
      type={p.type ?? "text"}
      value={p.value ?? ""}
      placeholder={p.placeholder}
      required={p.required}
      autocomplete={p.autocomplete ?? "off"}
      autofocus={p.autofocus}
      min={p.min}
      max={p.max}
      step={p.step}
      disabled={p.disabled}
      {...aria(p)}
    />
  );
  return (
    <FieldShell {...p}>
      {p.unit !== undefined
        ? (
          <div class="input-unit">
            {input}
            <span>{p.unit}</span>
          </div>
        )
        : input}
    </FieldShell>
  );
};

/** A multi-line text input. */
export const TextAreaField: FC<
  FieldBase & { value?: string; placeholder?: string; rows?: number }
> = (p) => (
  <FieldShell {...p}>
    <textarea
      id={`f-${p.name}`}
      name={p.name}
      rows={p.rows ?? 4}
      placeholder={p.placeholder}
      spellcheck={false}
      {...aria(p)}
    >
      {p.value ?? ""}
    </textarea>
  </FieldShell>
);

/** A drop-down of `[value, label]` options. */
export const SelectField: FC<
  FieldBase & { value?: string; options: readonly (readonly [string, string])[] }
> = (p) => (
  <FieldShell {...p}>
    <select id={`f-${p.name}`} name={p.name} {...aria(p)}>
      {p.options.map(([value, label]) => (
        <option value={value} selected={value === p.value}>{label}</option>
      ))}
    </select>
  </FieldShell>
);

/** A checkbox; unchecked boxes are absent from the form body. */
export const CheckField: FC<FieldBase & { checked: boolean }> = (p) => (
  <div class={p.wide ? "field wide" : "field"}>
    <label class="check">
      <input
        type="checkbox"
        name={p.name}
        id={`f-${p.name}`}
        checked={p.checked}
        disabled={p.disabled}
        {...aria(p)}
      />
      {p.label}
    </label>
    {p.help ? <span class="help" id={`f-${p.name}-help`}>{p.help}</span> : null}
    {p.error ? <span class="field-error" id={`f-${p.name}-error`}>{p.error}</span> : null}
  </div>
);

/** The hidden CSRF field of a form that also works without JavaScript. */
export const CsrfField: FC<{ token: string }> = ({ token }) => (
  <input type="hidden" name="_csrf" value={token} />
);
