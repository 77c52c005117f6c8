import type { Result } from '@haven/protocol';

// Bytes of a text file to a string, UTF-8 only (V8): a UTF-16 or Latin-1 file is refused with a message
// that says which and where, instead of being read as mojibake that then "names no force".

/** Offset of the first byte that does not start or continue a UTF-8 sequence; -1 when none is found. */
function firstBadUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const x = b[i]!;
    const n = x < 0x80 ? 0 : x >= 0xc2 && x <= 0xdf ? 1 : x >= 0xe0 && x <= 0xef ? 2 : x >= 0xf0 && x <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

function lineAt(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) line++;
  return line;
}

/**
 * Decodes UTF-8 (a byte order mark is dropped). UTF-16 (by its byte order mark or its NUL bytes) and
 * bytes that are not UTF-8 (typically Latin-1 / Windows-1252) are errors naming the line.
 */
export function decodeText(bytes: Uint8Array): Result<string, { message: string; line?: number }> {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, error: { message: 'the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 CSV' } };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return { ok: false, error: { message: `the file has a NUL byte on line ${lineAt(bytes, nul)}: it looks like UTF-16 or not text at all; save it as UTF-8 CSV`, line: lineAt(bytes, nul) } };
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(body) };
  } catch {
    const at = firstBadUtf8(body);
    const line = at >= 0 ? lineAt(body, at) : undefined;
    const byte = at >= 0 ? ` (byte 0x${body[at]!.toString(16).toUpperCase().padStart(2, '0')})` : '';
    return {
      ok: false,
      error: { message: `line ${line ?? '?'} is not UTF-8${byte}: the file looks like Latin-1 or Windows-1252; save it as UTF-8 CSV`, ...(line ? { line } : {}) },
    };
  }
}
