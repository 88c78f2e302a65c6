import { IpfsPinError } from '../errors.js';

/**
 * Reads `key=value` pairs (the value may hold `=`) into a PSA `meta` map. A later pair
 * overrides an earlier one with the same key.
 */
export function parseMeta(pairs: Iterable<string>): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at === -1 ? '' : pair.slice(0, at).trim();
    if (key === '') {
      throw new IpfsPinError('INVALID_INPUT', `meta '${pair}' is not key=value (for example commit=abc123)`);
    }
    meta[key] = pair.slice(at + 1);
  }
  return meta;
}
