/**
 * @module tools
 * Tools, the choice of tool, and a tool call's input, in each family:
 * OpenAI's `{type: "function", function: {name, description, parameters}}`
 * and `arguments` as a JSON string; Anthropic's `{name, description,
 * input_schema}` and `input` as an object.
 *
 * | OpenAI `tool_choice` | Anthropic `tool_choice` |
 * | --- | --- |
 * | `"auto"` | `{type: "auto"}` |
 * | `"none"` | `{type: "none"}` |
 * | `"required"` | `{type: "any"}` |
 * | `{type: "function", function: {name}}` | `{type: "tool", name}` |
 * | `parallel_tool_calls: false` | `disable_parallel_tool_use: true` |
 */
import type { Tool, ToolChoice } from "./anthropic_shapes.ts";
import type { ChatRequest, ChatTool } from "./chat_shapes.ts";
import { isRecord, type Json } from "./json.ts";
import { type TranslatedBody, TranslationError } from "./translation_error.ts";

/** Anthropic requires a schema; OpenAI's `parameters` may be left out for a tool without any. */
const NO_PARAMETERS = { type: "object", properties: {} };

/** Anthropic's tools of an OpenAI `tools` array. */
export function toolsToAnthropic(tools: unknown): Tool[] {
  if (!Array.isArray(tools)) throw new TranslationError("tools", "Expected an array");
  return tools.map((tool: unknown, i) => {
    if (!isRecord(tool) || tool.type !== "function" || !isRecord(tool.function)) {
      throw new TranslationError(`tools[${i}].type`, 'Only "function" tools are translated');
    }
    const fn = tool.function;
    if (typeof fn.name !== "string") {
      throw new TranslationError(`tools[${i}].function.name`, "Expected a string");
    }
    const out: Tool = { name: fn.name, input_schema: fn.parameters ?? NO_PARAMETERS };
    if (typeof fn.description === "string") out.description = fn.description;
    return out;
  });
}

/** Anthropic's `tool_choice` of OpenAI's `tool_choice` and `parallel_tool_calls`. */
export function toolChoiceToAnthropic(choice: unknown, parallel: unknown): ToolChoice {
  const out = anthropicChoice(choice ?? "auto");
  if (parallel === false && out.type !== "none") out.disable_parallel_tool_use = true;
  return out;
}

function anthropicChoice(choice: unknown): ToolChoice {
  switch (choice) {
    case "auto":
      return { type: "auto" };
    case "none":
      return { type: "none" };
    case "required":
      return { type: "any" };
  }
  if (isRecord(choice) && choice.type === "function" && isRecord(choice.function)) {
    if (typeof choice.function.name !== "string") {
      throw new TranslationError("tool_choice.function.name", "Expected a string");
    }
    return { type: "tool", name: choice.function.name };
  }
  throw new TranslationError(
    "tool_choice",
    'Expected "auto", "none", "required" or {"type":"function","function":{"name"}}',
  );
}

/** OpenAI's tools of an Anthropic `tools` array; server tools (web search, bash...) are refused. */
export function toolsToChat(tools: unknown): ChatTool[] {
  if (!Array.isArray(tools)) throw new TranslationError("tools", "Expected an array");
  return tools.map((tool: unknown, i) => {
    if (!isRecord(tool)) throw new TranslationError(`tools[${i}]`, "Expected an object");
    if (tool.type !== undefined && tool.type !== "custom") {
      throw new TranslationError(
        `tools[${i}].type`,
        `Server tool ${JSON.stringify(tool.type)} is not translated (only client tools are)`,
      );
    }
    if (typeof tool.name !== "string") {
      throw new TranslationError(`tools[${i}].name`, "Expected a string");
    }
    const fn: ChatTool["function"] = { name: tool.name, parameters: tool.input_schema };
    if (typeof tool.description === "string") fn.description = tool.description;
    return { type: "function", function: fn };
  });
}

/** OpenAI's `tool_choice` and `parallel_tool_calls` of an Anthropic `tool_choice`. */
export function toolChoiceToChat(
  choice: unknown,
): Pick<ChatRequest, "tool_choice" | "parallel_tool_calls"> {
  if (!isRecord(choice)) throw new TranslationError("tool_choice", "Expected an object");
  const out: Pick<ChatRequest, "tool_choice" | "parallel_tool_calls"> = {};
  switch (choice.type) {
    case "auto":
      out.tool_choice = "auto";
      break;
    case "any":
      out.tool_choice = "required";
      break;
    case "none":
      out.tool_choice = "none";
      break;
    case "tool":
      if (typeof choice.name !== "string") {
        throw new TranslationError("tool_choice.name", "Expected a string");
      }
      out.tool_choice = { type: "function", function: { name: choice.name } };
      break;
    default:
      throw new TranslationError("tool_choice.type", 'Expected "auto", "any", "tool" or "none"');
  }
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  return out;
}

/**
 * A tool call's `arguments` (a JSON string) as Anthropic's `input` object;
 * `""` (sent by some servers for a call without arguments) is `{}`.
 */
export function toolInputOf(args: unknown, path: string, body: TranslatedBody): Json {
  if (args === undefined || args === "") return {};
  if (typeof args !== "string") throw new TranslationError(path, "Expected a JSON string", body);
  let input: unknown;
  try {
    input = JSON.parse(args);
  } catch {
    throw new TranslationError(path, "Expected valid JSON", body);
  }
  if (!isRecord(input)) throw new TranslationError(path, "Expected a JSON object", body);
  return input;
}
