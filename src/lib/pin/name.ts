import { basename, resolve } from 'node:path';

/** The spec's limit on a pin name, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

/**
 * Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character
 * (a surrogate pair counts as one character, so no lone surrogate is left behind).
 */
export function truncateUtf8(text: string, maxBytes: number = MAX_NAME_BYTES): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += char;
  }
  return out;
}

/**
 * `<directory basename>-<first 8 characters of the CID>`: readable in a service's web UI
 * and different for each deploy. The CID suffix is kept whole when the basename is long.
 */
export function defaultPinName(path: string, cid: string): string {
  const suffix = `-${cid.slice(0, 8)}`;
  const base = basename(resolve(path)) || 'root';
  return truncateUtf8(base, MAX_NAME_BYTES - Buffer.byteLength(suffix, 'utf8')) + suffix;
}
