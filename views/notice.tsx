/**
 * @module notice
 * Messages for the flash region: inline, or out-of-band alongside another
 * region's swap (`hx-swap-oob`).
 */
import type { Child, FC } from "hono/jsx";

/** The tone of a notice. */
export type Tone = "success" | "error" | "info";

/** One dismissible message. */
export const Notice: FC<{ tone: Tone; children?: Child }> = ({ tone, children }) => (
  <div class={`notice ${tone}`} role={tone === "error" ? "alert" : "status"}>
    <div>{children}</div>
    <button type="button" data-dismiss aria-label="Dismiss">×</button>
  </div>
);

/** Replaces the flash region's content as a side effect of another swap. */
export const FlashOob: FC<{ tone: Tone; children?: Child }> = ({ tone, children }) => (
  <div id="flash" hx-swap-oob="innerHTML">
    <Notice tone={tone}>{children}</Notice>
  </div>
);
