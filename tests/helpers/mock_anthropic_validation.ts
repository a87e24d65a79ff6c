/**
 * @module mock_anthropic_validation
 * The mock Messages API refuses what the real one refuses, with the same
 * status, error type and message (the messages below are the API's own,
 * field path first), so that a request Sidecar translates badly fails in a
 * test as it would in production. Not every rule of the API is here: the
 * ones a translation can break are.
 */
import { record } from "./mock_openai_bodies.ts";

/** Why a request is refused. */
export interface Refusal {
  status: number;
  type: string;
  message: string;
}

export type Endpoint = "messages" | "count_tokens";

/** The `anthropic-version` values the API knows (https://docs.claude.com/en/api/versioning). */
export const API_VERSIONS = ["2023-01-01", "2023-06-01", "2026-10-21"];

const invalid = (message: string): Refusal => ({
  status: 400,
  type: "invalid_request_error",
  message,
});

/** Auth (`x-api-key` or `Authorization: Bearer`, `apiKey` when given) and `anthropic-version`. */
export function checkHeaders(headers: Headers, apiKey?: string): Refusal | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1];
  const key = headers.get("x-api-key") || bearer;
  if (!key) {
    return { status: 401, type: "authentication_error", message: "x-api-key header is required" };
  }
  if (apiKey !== undefined && key !== apiKey) {
    return { status: 401, type: "authentication_error", message: "invalid x-api-key" };
  }
  const version = headers.get("anthropic-version");
  if (!version) return invalid("anthropic-version: header is required");
  if (!API_VERSIONS.includes(version)) {
    return invalid(`anthropic-version: "${version}" is not a valid version`);
  }
  return null;
}

class Invalid extends Error {}
function fail(message: string): never {
  throw new Invalid(message);
}

const COMMON_FIELDS = [
  "model",
  "messages",
  "system",
  "tools",
  "tool_choice",
  "thinking",
  "output_config",
  "output_format",
  "mcp_servers",
  "context_management",
  "cache_control",
  "speed",
  "user_profile_id",
  "workspace_id",
];
const MESSAGES_FIELDS = [
  "max_tokens",
  "stream",
  "metadata",
  "stop_sequences",
  "service_tier",
  "container",
  "inference_geo",
  "diagnostics",
];
/** Removed in 2026-10-21: sent with that version they are refused like any unknown field. */
const SAMPLING_FIELDS = ["temperature", "top_p", "top_k"];

const BLOCK_TYPES = [
  "text",
  "image",
  "document",
  "search_result",
  "tool_use",
  "tool_result",
  "thinking",
  "redacted_thinking",
  "server_tool_use",
  "web_search_tool_result",
];

/** The body of a POST to `endpoint`, read as the API of `version` reads it. */
export function checkBody(endpoint: Endpoint, version: string, text: string): Refusal | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return invalid(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  try {
    checkFields(endpoint, version, body);
    return null;
  } catch (error) {
    if (error instanceof Invalid) return invalid(error.message);
    throw error;
  }
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(`${path}: Input should be a valid dictionary`);
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(`${path}: Input should be a valid list`);
  return value;
}

function string(value: unknown, path: string): string {
  if (value === undefined) fail(`${path}: Field required`);
  if (typeof value !== "string") fail(`${path}: Input should be a valid string`);
  return value;
}

function checkFields(endpoint: Endpoint, version: string, body: unknown): void {
  const req = object(body, "body");
  const known = [
    ...COMMON_FIELDS,
    ...(endpoint === "messages" ? MESSAGES_FIELDS : []),
    ...(endpoint === "messages" && version !== "2026-10-21" ? SAMPLING_FIELDS : []),
  ];
  for (const key of Object.keys(req)) {
    if (!known.includes(key)) fail(`${key}: Extra inputs are not permitted`);
  }
  string(req.model, "model");
  if (endpoint === "messages") {
    const max = req.max_tokens;
    if (max === undefined) fail("max_tokens: Field required");
    if (!Number.isInteger(max)) fail("max_tokens: Input should be a valid integer");
    if ((max as number) < 1) fail("max_tokens: Input should be greater than or equal to 1");
    if (req.stream !== undefined && typeof req.stream !== "boolean") {
      fail("stream: Input should be a valid boolean");
    }
  }
  if (req.messages === undefined) fail("messages: Field required");
  const messages = list(req.messages, "messages").map((m, i) => object(m, `messages.${i}`));
  if (!messages.length) fail("messages: at least one message is required");
  messages.forEach((m, i) => checkMessage(m, i, i === messages.length - 1, version));
  checkToolPairs(messages);
  if (req.system !== undefined && typeof req.system !== "string") {
    list(req.system, "system").forEach((b, j) => {
      const block = object(b, `system.${j}`);
      if (block.type !== "text") fail(`system.${j}.type: Input should be 'text'`);
      string(block.text, `system.${j}.text`);
    });
  }
  if (req.metadata !== undefined) {
    for (const key of Object.keys(object(req.metadata, "metadata"))) {
      if (key !== "user_id") fail(`metadata.${key}: Extra inputs are not permitted`);
    }
  }
  if (req.stop_sequences !== undefined) {
    list(req.stop_sequences, "stop_sequences").forEach((s, j) => string(s, `stop_sequences.${j}`));
  }
  checkTools(req);
}

function checkMessage(m: Record<string, unknown>, i: number, last: boolean, version: string) {
  if (m.role !== "user" && m.role !== "assistant") {
    fail(`messages.${i}.role: Input should be 'user' or 'assistant'`);
  }
  if (m.content === undefined) fail(`messages.${i}.content: Field required`);
  const emptyMessage =
    `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
  const finalAssistant = last && m.role === "assistant";
  if (typeof m.content === "string") {
    if (!m.content && !finalAssistant) fail(emptyMessage);
  } else {
    const blocks = list(m.content, `messages.${i}.content`);
    if (!blocks.length && !finalAssistant) fail(emptyMessage);
    blocks.forEach((b, j) => {
      const path = `messages.${i}.content.${j}`;
      checkBlock(object(b, path), path, m.role, version);
    });
  }
  if (finalAssistant && /\s$/.test(textOfContent(m.content))) {
    fail("messages: final assistant content cannot end with trailing whitespace");
  }
}

function textOfContent(content: unknown): string {
  if (typeof content === "string") return content;
  const blocks = (content as unknown[]).map(record).filter((b) => b.type === "text");
  return String(blocks.at(-1)?.text ?? "");
}

function checkBlock(block: Record<string, unknown>, path: string, role: unknown, version: string) {
  const type = block.type;
  if (typeof type !== "string" || !BLOCK_TYPES.includes(type)) {
    const tags = BLOCK_TYPES.map((t) => `'${t}'`).join(", ");
    fail(
      `${path}: Input tag '${
        String(type)
      }' found using 'type' does not match any of the expected tags: ${tags}`,
    );
  }
  const at = `${path}.${type}`;
  switch (type) {
    case "text":
      if (string(block.text, `${at}.text`) === "") {
        fail("messages: text content blocks must be non-empty");
      }
      if (version === "2026-10-21" && role === "user" && Array.isArray(block.citations)) {
        if (block.citations.length) fail(`${at}.citations: not allowed in user messages`);
      }
      return;
    case "image": {
      const source = object(block.source, `${at}.source`);
      if (source.type === "base64") {
        const media = ["image/jpeg", "image/png", "image/gif", "image/webp"];
        if (!media.includes(String(source.media_type))) {
          const allowed = "'image/jpeg', 'image/png', 'image/gif' or 'image/webp'";
          fail(`${at}.source.base64.media_type: Input should be ${allowed}`);
        }
        string(source.data, `${at}.source.base64.data`);
      } else if (source.type === "url") {
        string(source.url, `${at}.source.url.url`);
      } else {
        const tags = "'base64', 'url', 'file'";
        fail(
          `${at}.source: Input tag found using 'type' does not match any of the expected tags: ${tags}`,
        );
      }
      return;
    }
    case "document":
      if (version === "2026-10-21" && role === "assistant") {
        fail(`${path}: document blocks are not allowed in assistant messages`);
      }
      return;
    case "tool_use":
      string(block.id, `${at}.id`);
      string(block.name, `${at}.name`);
      object(block.input, `${at}.input`);
      return;
    case "tool_result":
      string(block.tool_use_id, `${at}.tool_use_id`);
      if (block.content !== undefined && typeof block.content !== "string") {
        list(block.content, `${at}.content`).forEach((b, k) =>
          checkBlock(object(b, `${at}.content.${k}`), `${at}.content.${k}`, role, version)
        );
      }
      return;
  }
}

/** Every tool_use is answered by a tool_result in the very next message, and only those. */
function checkToolPairs(messages: Record<string, unknown>[]): void {
  const idsOf = (m: Record<string, unknown> | undefined, type: string, key: string) =>
    (Array.isArray(m?.content) ? m.content : []).map(record).filter((b) => b.type === type)
      .map((b) => String(b[key]));
  messages.forEach((m, i) => {
    const uses = m.role === "assistant" ? idsOf(m, "tool_use", "id") : [];
    const next = messages[i + 1];
    if (uses.length && next) {
      const results = next.role === "user" ? idsOf(next, "tool_result", "tool_use_id") : [];
      const missing = uses.filter((id) => !results.includes(id));
      if (missing.length) {
        fail(
          `messages.${
            i + 1
          }: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${
            missing.join(", ")
          }. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
        );
      }
    }
    const previous = messages[i - 1];
    const allowed = previous?.role === "assistant" ? idsOf(previous, "tool_use", "id") : [];
    const stray = m.role === "user"
      ? idsOf(m, "tool_result", "tool_use_id").filter((id) => !allowed.includes(id))
      : [];
    if (stray.length) {
      fail(
        `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${
          stray.join(", ")
        }. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
      );
    }
  });
}

function checkTools(req: Record<string, unknown>): void {
  const tools = req.tools === undefined ? [] : list(req.tools, "tools");
  const names = tools.map((t, j) => {
    const tool = object(t, `tools.${j}`);
    // Server tools (web_search_…, bash_…) carry a versioned type and no schema.
    if (tool.type !== undefined && tool.type !== "custom") return String(tool.name);
    const name = string(tool.name, `tools.${j}.custom.name`);
    if (!/^[a-zA-Z0-9_-]{1,128}$/.test(name)) {
      fail(`tools.${j}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    }
    if (tool.input_schema === undefined) fail(`tools.${j}.custom.input_schema: Field required`);
    if (object(tool.input_schema, `tools.${j}.custom.input_schema`).type !== "object") {
      fail(`tools.${j}.custom.input_schema.type: Input should be 'object'`);
    }
    return name;
  });
  if (new Set(names).size !== names.length) fail("tools: Tool names must be unique.");
  if (req.tool_choice === undefined) return;
  const choice = object(req.tool_choice, "tool_choice");
  if (!["auto", "any", "tool", "none"].includes(String(choice.type))) {
    fail(
      "tool_choice: Input tag found using 'type' does not match any of the expected tags: 'auto', 'any', 'tool', 'none'",
    );
  }
  if (choice.type === "tool") string(choice.name, "tool_choice.tool.name");
  if (!tools.length && choice.type !== "none") {
    fail("tool_choice: tool_choice may only be specified while providing tools");
  }
}
