/**
 * @module empty_state
 * What an empty table or chart says instead: what is missing and what to do next.
 */
import type { Child, FC } from "hono/jsx";

/** A dashed box with a headline and the next step. */
export const EmptyState: FC<{ title: string; children?: Child }> = ({ title, children }) => (
  <div class="empty">
    <strong>{title}</strong>
    {children}
  </div>
);
