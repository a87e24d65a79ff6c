/**
 * @module The Sidecar configurations that differ from `sidecar` in one
 * respect each, measured beside it in the same run:
 *
 * - `sidecar_governed`: the client key has a policy (a models allowlist, an
 *   `rpm_limit`, a monthly `budget_usd`), none of which binds, and the bench
 *   model has a price, so every request is checked against the allowlist,
 *   takes an rpm token, reserves its worst case and settles a real cost;
 * - `sidecar_messages`: the backend is `api: "anthropic"` on the mock's
 *   Messages API and the client speaks Messages (sent through as they are);
 * - `sidecar_translated`: the same backend, the client speaks chat
 *   completions (the request and the answer translated).
 */

import type { Child } from "./child.ts";
import { MESSAGES_PATH } from "./mock_upstream.ts";
import { ANTHROPIC_SET, GOVERNED_PAIR, LABELS, MESSAGES_BODY } from "./settings.ts";
import { startSidecar } from "./sidecar.ts";
import { CHAT_PATH, type Target } from "./target.ts";

/**
 * The governed key's policy: the allowlist names the bench's models (the
 * stream probes' `bench-s20-d50` among them); the limits are far above what
 * a run reaches (a run sends well under 10^6 requests, at most about $30).
 */
export const GOVERNED_POLICY = {
  models: ["bench", "bench-*"],
  rpm_limit: 10_000_000,
  budget_usd: 1_000_000,
  budget_period: "month",
};

/** The bench models' price, USD per million tokens: the mock's 12 + 8 tokens cost $0.000028. */
export const BENCH_PRICE = { model: "bench*", input_per_mtok: 1, output_per_mtok: 2 };

/** The `anthropic-version` an Anthropic client sends. */
const ANTHROPIC_VERSION = "2023-06-01";

/** Starts one of the configurations above in front of `mock`. */
export async function startSidecarVariant(id: string, mock: Child): Promise<Target> {
  const label = LABELS[id] ?? id;
  switch (id) {
    case GOVERNED_PAIR.governed: {
      const t = await startSidecar(mock.url, "single", {
        keyPolicy: GOVERNED_POLICY,
        prices: [BENCH_PRICE],
      });
      return { ...t, id, label };
    }
    case ANTHROPIC_SET.messages: {
      const t = await startSidecar(mock.url, "single", { backendApi: "anthropic" });
      return {
        ...t,
        id,
        label,
        url: t.url.slice(0, -CHAT_PATH.length) + MESSAGES_PATH,
        // The client key as Bearer, as Claude Code sends ANTHROPIC_AUTH_TOKEN.
        headers: { ...t.headers, "anthropic-version": ANTHROPIC_VERSION },
        body: MESSAGES_BODY,
        messagesApi: true,
        noStreams: true,
      };
    }
    case ANTHROPIC_SET.translated: {
      const t = await startSidecar(mock.url, "single", { backendApi: "anthropic" });
      return { ...t, id, label, noStreams: true };
    }
    default:
      throw new Error(`Unknown Sidecar variant "${id}"`);
  }
}
