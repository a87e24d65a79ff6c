/**
 * @module token_estimate
 * Token counts guessed from text, where no upstream reported them
 * (docs/accounting.md, "Estimates"): one token per four characters, rounded
 * up, OpenAI's rule of thumb for English. Used for a stream that ended
 * without its usage, and for a request's worst case before it is sent.
 */

type Json = Record<string, unknown>;

/** Characters per token of the estimate. */
export const CHARS_PER_TOKEN = 4;

/** Tokens of `chars` characters of text. */
export function tokensOfChars(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/**
 * The prompt's characters in a request body: every string value in it (the
 * messages' text, the instructions, the tool definitions), except the model
 * name and inline `data:` URLs (images and audio, which providers count by
 * their own rules, far below their base64 length).
 */
export function promptChars(body: Json): number {
  let chars = 0;
  for (const key in body) if (key !== "model") chars += stringChars(body[key]);
  return chars;
}

// Walked with for…in, not Object.values(): this runs for every budgeted
// request, and a parsed body has no inherited keys to skip.
function stringChars(value: unknown): number {
  if (typeof value === "string") return value.startsWith("data:") ? 0 : value.length;
  if (typeof value !== "object" || value === null) return 0;
  let chars = 0;
  if (Array.isArray(value)) {
    for (const v of value) chars += stringChars(v);
  } else {
    for (const key in value) chars += stringChars((value as Json)[key]);
  }
  return chars;
}

/**
 * The generated characters in one stream event: a chat chunk's content,
 * reasoning, refusal and tool-call arguments; a completions chunk's text; a
 * Responses API `*.delta` event's delta.
 */
export function outputChars(json: Json): number {
  if (typeof json.type === "string" && json.type.endsWith(".delta")) {
    return typeof json.delta === "string" ? json.delta.length : 0;
  }
  const choices = json.choices;
  if (!Array.isArray(choices)) return 0;
  let chars = 0;
  for (const choice of choices) {
    if (!isRecord(choice)) continue;
    chars += text(choice.text);
    const delta = choice.delta;
    if (!isRecord(delta)) continue;
    chars += text(delta.content) + text(delta.reasoning_content) + text(delta.reasoning) +
      text(delta.refusal);
    if (isRecord(delta.function_call)) chars += text(delta.function_call.arguments);
    if (Array.isArray(delta.tool_calls)) {
      for (const call of delta.tool_calls) {
        if (isRecord(call) && isRecord(call.function)) chars += text(call.function.arguments);
      }
    }
  }
  return chars;
}

function text(value: unknown): number {
  return typeof value === "string" ? value.length : 0;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
