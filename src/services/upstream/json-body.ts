import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * A long string value (an uploaded file's data: URI) sent as it is made: `length` characters, all of them JSON-safe
 * ASCII (no escaping), in the order `chunks` yields them.
 */
export interface StreamedString {
  readonly length: number;
  chunks(): AsyncIterable<string>;
}

/**
 * `value` as JSON, with its length in bytes (sent as Content-Length, which undici also holds a streamed body
 * to): a string, or, when it holds `StreamedString`s, a stream that reads each of them only as it is sent. A
 * stream is made once per call, so a submit sent again makes its own.
 */
export function jsonBody(value: unknown): { body: string | Readable; length: number } {
  const streamed: [string, StreamedString][] = [];
  const nonce = randomUUID();
  // Each streamed string becomes a placeholder no other value can spell (a random UUID), between its quotes.
  const text = JSON.stringify(value, (_key, field: unknown) => {
    if (!isStreamed(field)) return field;
    const placeholder = `streamed-${nonce}-${streamed.length}`;
    streamed.push([placeholder, field]);
    return placeholder;
  });
  const length = streamed.reduce(
    (sum, [placeholder, string]) => sum - placeholder.length + string.length,
    Buffer.byteLength(text),
  );
  if (streamed.length === 0) return { body: text, length };
  // Strings (an object-mode stream), which undici writes to the socket as UTF-8, as `length` counts them: turned
  // into a Buffer each here, a 10 MB file's base64 made 13 MB more of buffers for the collector.
  async function* pieces() {
    let rest = text;
    for (const [placeholder, string] of streamed) {
      const at = rest.indexOf(placeholder);
      yield rest.slice(0, at);
      yield* string.chunks();
      rest = rest.slice(at + placeholder.length);
    }
    yield rest;
  }
  return { body: Readable.from(pieces()), length };
}

const isStreamed = (value: unknown): value is StreamedString =>
  typeof value === 'object' && value !== null && 'chunks' in value && typeof value.chunks === 'function';
