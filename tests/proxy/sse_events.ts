/**
 * @module sse_events
 * A client's reading of an SSE body for the proxy tests: each event's name
 * (when it has one) and its data, parsed as JSON where it is.
 */

/** One event as a client reads it. */
export interface ClientEvent {
  event?: string;
  data: unknown;
}

/** The events of an SSE body (`\n\n`-separated, as Sidecar writes them). */
export function sseEvents(text: string): ClientEvent[] {
  return text.split("\n\n").filter((block) => block.trim() !== "").map((block) => {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    const text = data.join("\n");
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // `[DONE]`, or a comment: kept as text.
    }
    return event === undefined ? { data: parsed } : { event, data: parsed };
  });
}

/** The names of Anthropic events, in order. */
export function eventNames(events: ClientEvent[]): string[] {
  return events.map((e) => e.event ?? "(none)");
}
