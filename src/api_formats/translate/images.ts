/**
 * @module images
 * An image in each family: OpenAI's `image_url` (a `data:` URL or an
 * http(s) URL) and Anthropic's image `source` (`base64` with its
 * `media_type`, or `url`).
 */
import type { ImageBlock } from "./anthropic_shapes.ts";
import { isRecord } from "./json.ts";
import { TranslationError } from "./translation_error.ts";

const BASE64_MARK = ";base64";

/** The Anthropic image block of an OpenAI image URL found at `path`. */
export function imageBlockOfUrl(url: unknown, path: string): ImageBlock {
  if (typeof url !== "string") throw new TranslationError(path, "Expected a URL string");
  if (url.startsWith("data:")) {
    // data:<media type>;base64,<data> (RFC 2397); only base64 has an Anthropic form.
    const comma = url.indexOf(",");
    const meta = comma < 0 ? "" : url.slice(5, comma);
    if (!meta.endsWith(BASE64_MARK) || meta.length === BASE64_MARK.length) {
      throw new TranslationError(
        path,
        "Expected a data: URL of the form data:<media type>;base64,",
      );
    }
    return {
      type: "image",
      source: {
        type: "base64",
        media_type: meta.slice(0, -BASE64_MARK.length),
        data: url.slice(comma + 1),
      },
    };
  }
  if (url.startsWith("https://") || url.startsWith("http://")) {
    return { type: "image", source: { type: "url", url } };
  }
  throw new TranslationError(path, "Expected a data: or http(s) URL");
}

/** The OpenAI image URL of an Anthropic image `source` found at `path`. */
export function imageUrlOfSource(source: unknown, path: string): string {
  if (!isRecord(source)) throw new TranslationError(path, "Expected an image source");
  if (source.type === "base64") {
    if (typeof source.media_type !== "string") {
      throw new TranslationError(`${path}.media_type`, "Expected a string");
    }
    if (typeof source.data !== "string") {
      throw new TranslationError(`${path}.data`, "Expected a string");
    }
    return `data:${source.media_type};base64,${source.data}`;
  }
  if (source.type === "url") {
    if (typeof source.url !== "string") {
      throw new TranslationError(`${path}.url`, "Expected a string");
    }
    return source.url;
  }
  throw new TranslationError(
    `${path}.type`,
    `Image source type ${JSON.stringify(source.type)} is not translated (base64 and url are)`,
  );
}
