// Decoding Python source bytes the way the interpreter does (PEP 263), without ever throwing.
const CODING_COOKIE = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/;

const LATIN_1 = new Set(['latin-1', 'latin1', 'iso-8859-1', 'iso8859-1', 'l1']);

export interface DecodedSource {
  text: string;
  /** Bytes were invalid in the declared (or default UTF-8) encoding and were replaced: never write this text back. */
  lossy: boolean;
}

function declaredEncoding(bytes: Buffer): string | undefined {
  const head = bytes.subarray(0, 400).toString('latin1').split('\n', 2);
  for (const line of head) {
    const match = CODING_COOKIE.exec(line);
    if (match) return match[1].toLowerCase();
  }
  return undefined;
}

export function decodePythonSource(bytes: Buffer): DecodedSource {
  let body = bytes;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  let encoding = (declaredEncoding(body) ?? 'utf-8').replace(/_/g, '-');
  if (encoding === 'utf8' || encoding.startsWith('utf-8')) encoding = 'utf-8';
  // Python's latin-1 is ISO-8859-1 proper; WHATWG's "latin1" label means windows-1252, so decode it directly.
  if (LATIN_1.has(encoding)) return { text: body.toString('latin1'), lossy: false };
  try {
    return { text: new TextDecoder(encoding, { fatal: true }).decode(body), lossy: false };
  } catch {
    // Unknown encoding label or invalid bytes: keep going with what can be read.
    return { text: new TextDecoder('utf-8').decode(body), lossy: true };
  }
}

/** Offsets where lines start: index n holds the offset of line n (zero-based). */
export function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
