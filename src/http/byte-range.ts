/** What a `Range` header asks of a file of `size` bytes (RFC 9110 section 14), one range at most. */
export type RangeRequest =
  | { kind: 'whole' }
  | { kind: 'partial'; start: number; end: number }
  /** 416: no byte of the range is in the file. */
  | { kind: 'unsatisfiable' };

/**
 * Reads a `Range` header. Only `bytes=` with a single range is honoured; anything else (other units, a
 * list of ranges, a malformed one) is ignored as RFC 9110 allows, and the whole file is served.
 */
export function readRange(header: string | undefined, size: number): RangeRequest {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match) return { kind: 'whole' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  // Invalid (last before first): ignored, not refused.
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
