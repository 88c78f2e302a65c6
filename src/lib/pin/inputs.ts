import { basename, resolve } from 'node:path';
import { CID } from 'multiformats/cid';
import { IpfsPinError } from '../errors.js';
import type { PinPolicy } from './types.js';

// What callers hand the flow, read and checked in one place so the action, the CLI and the
// library agree: pin names, meta, durations, the policy (and where it stands as services
// finish) and gateway templates. Pure functions; a bad value throws INVALID_INPUT.

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

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Reads a duration such as `90s`, `10m`, `1h30m`, `1.5m` or `500ms` into milliseconds.
 * A bare number means seconds (what people type for a timeout).
 */
export function parseDuration(text: string): number {
  const value = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  let match: RegExpExecArray | null;
  while ((match = part.exec(value)) !== null) {
    total += Number(match[1]) * (UNITS[match[2] ?? ''] ?? Number.NaN);
    end = part.lastIndex;
  }
  if (value === '' || end !== value.length || !Number.isFinite(total)) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `'${text}' is not a duration: use for example 90s, 10m, 1h30m or 500ms`,
    );
  }
  return Math.round(total);
}

/** How many services must report `pinned` for the policy to be met. */
export function requiredPins(policy: PinPolicy, services: number): number {
  if (policy === 'all') return services;
  if (policy === 'any') return Math.min(1, services);
  if (!Number.isInteger(policy) || policy < 1) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `policy must be 'all', 'any' or a whole number >= 1, got ${String(policy)}`,
    );
  }
  if (policy > services) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `policy asks for ${policy} services but only ${services} ${services === 1 ? 'is' : 'are'} configured`,
    );
  }
  return policy;
}

/** Reads a policy from text: `all`, `any` or a whole number. */
export function parsePolicy(text: string): PinPolicy {
  const value = text.trim().toLowerCase();
  if (value === 'all' || value === 'any') return value;
  if (/^[1-9][0-9]*$/.test(value)) return Number(value);
  throw new IpfsPinError(
    'INVALID_INPUT',
    `policy must be 'all', 'any' or a whole number >= 1, got '${text}'`,
  );
}

export type PolicyState = 'met' | 'impossible' | 'pending';

/**
 * Where the policy stands given the services that finished so far.
 * `pinned` counts successes, `finished` counts services with a final outcome (any kind).
 */
export function policyState(required: number, total: number, pinned: number, finished: number): PolicyState {
  if (pinned >= required) return 'met';
  const stillOpen = total - finished;
  if (pinned + stillOpen < required) return 'impossible';
  return 'pending';
}

/**
 * The URL of a CID on a gateway. `template` holds `{cid}` where the CID goes, in the host
 * (a subdomain gateway: the CID is written as base32 CIDv1, as hosts need) or in the path;
 * a template without `{cid}` is taken as a path gateway's base URL (`/ipfs/{cid}/` added).
 */
export function gatewayUrl(template: string, cid: string): string {
  const t = template.includes('{cid}') ? template : `${template.replace(/\/+$/, '')}/ipfs/{cid}/`;
  const scheme = t.indexOf('://');
  const hostEnd = t.indexOf('/', scheme + 3);
  const host = hostEnd < 0 ? t : t.slice(0, hostEnd);
  if (!host.includes('{cid}')) return t.replaceAll('{cid}', cid);
  let v1 = cid;
  try {
    v1 = CID.parse(cid).toV1().toString();
  } catch {
    // Not a CID we can parse: keep it as given.
  }
  return host.replaceAll('{cid}', v1) + (hostEnd < 0 ? '' : t.slice(hostEnd).replaceAll('{cid}', v1));
}

/**
 * Checks a gateway template: an http(s) URL with `{cid}` in the host or the path, or a base
 * URL without a query or fragment (where `/ipfs/{cid}/` can go). Throws INVALID_INPUT.
 */
export function checkGatewayTemplate(template: string, what = 'gateway'): void {
  let url: URL;
  try {
    url = new URL(template.replaceAll('{cid}', 'cid'));
  } catch {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `${what} must be an http(s) URL with {cid} where the CID goes, got '${template}'`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IpfsPinError('INVALID_INPUT', `${what} must be an http(s) URL, got '${template}'`);
  }
  if (!template.includes('{cid}') && (url.search !== '' || url.hash !== '')) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `${what} '${template}' has no place for the CID: put {cid} where it goes (https://{cid}.ipfs.dweb.link/ or https://ipfs.io/ipfs/{cid}/), or give a base URL without a query`,
    );
  }
}
