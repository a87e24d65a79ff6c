/**
 * @module chunk_reader
 * Reads an upstream body chunk by chunk into one reused buffer when the body
 * is a byte stream. The default reader hands out a view of a fresh 64 KiB
 * buffer per read, and holding a few of those per open stream tripled the
 * memory of 1,000 concurrent streams; callers copy what they keep.
 */

/** The reader the stream relay uses. Chunks are valid until the next `read()`. */
export interface ChunkReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(): Promise<void>;
}

/** Size of the reused buffer: SSE events are small; a bigger read just loops. */
const BUFFER_BYTES = 8 * 1024;

/** A {@link ChunkReader} over `body`: BYOB with a reused buffer when possible. */
export function chunkReader(body: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (e.g. a body built in JS): the default reader it is.
    const reader = body.getReader();
    return { read: () => reader.read(), cancel: () => reader.cancel() };
  }
  let buffer: ArrayBuffer = new ArrayBuffer(BUFFER_BYTES);
  return {
    async read() {
      const { done, value } = await byob.read(new Uint8Array(buffer));
      if (done || !value) return { done: true, value: undefined };
      buffer = value.buffer as ArrayBuffer; // the buffer comes back transferred: reuse it
      return { done: false, value };
    },
    cancel: () => byob.cancel(),
  };
}
