import { IpfsPinError } from '../errors.js';
import { isObject } from './failure.js';
import { redact, requestidProblem, serviceText, snippet } from './text.js';
import type { PinResults, PinStatus } from './types.js';

/** Where a body came from, for the error message. */
export interface BodyOrigin {
  method: string;
  url: string;
  status: number;
  text: string;
  secrets: readonly (string | undefined)[];
}

/** Parses a 2xx body as JSON, or PSA_BAD_RESPONSE saying what came instead. */
export function parseJsonBody(origin: BodyOrigin): unknown {
  try {
    return JSON.parse(origin.text);
  } catch (cause) {
    const what =
      origin.text.trim() === ''
        ? 'an empty body'
        : `a body that is not JSON: "${snippet(origin.text, origin.secrets, 120)}"`;
    throw bad(origin, what, cause);
  }
}

/** How much of each field a service controls is kept (the spec's limits where it has them). */
export const LIMITS = {
  status: 64,
  created: 64,
  cid: 256,
  name: 255,
  addresses: 20,
  address: 1024,
  mapKeys: 64,
  key: 128,
  value: 2048,
} as const;

/**
 * Checks what the client relies on and returns a clean copy: unknown fields dropped,
 * a missing `delegates` as [] (some services omit it), `info` values made strings.
 * Everything the service controls is bounded ({@link LIMITS}) and its text cleaned of
 * control characters (see serviceText): it is data for logs, comments and terminals.
 */
export function toPinStatus(value: unknown, origin: BodyOrigin, where = 'PinStatus'): PinStatus {
  if (!isObject(value)) throw bad(origin, `${where} is not an object`);
  const { requestid, status, created, pin, delegates, info } = value;
  const idProblem = requestidProblem(requestid);
  if (idProblem !== undefined || typeof requestid !== 'string')
    throw bad(origin, `${where}.requestid ${idProblem ?? ''}`);
  if (typeof status !== 'string' || status === '')
    throw bad(origin, `${where}.status is not a non-empty string`);
  if (typeof created !== 'string' || created === '')
    throw bad(origin, `${where}.created is not a date string`);
  if (!isObject(pin)) throw bad(origin, `${where}.pin is not an object`);
  if (typeof pin.cid !== 'string' || pin.cid === '')
    throw bad(origin, `${where}.pin.cid is not a non-empty string`);
  if (delegates !== undefined && delegates !== null && !Array.isArray(delegates))
    throw bad(origin, `${where}.delegates is not an array`);
  if (info !== undefined && info !== null && !isObject(info))
    throw bad(origin, `${where}.info is not an object`);

  if (pin.cid.length > LIMITS.cid)
    throw bad(origin, `${where}.pin.cid is longer than ${LIMITS.cid} characters`);

  // Every string the service controls is redacted, the requestid and CID too: a service
  // echoing the token there would otherwise put it in the outputs. A redacted requestid or
  // CID no longer matches ours, which fails that pin as a bad answer, not a leak.
  const { secrets } = origin;
  const out: PinStatus = {
    requestid: redact(requestid, secrets),
    // Passed through as sent: a service may add statuses; callers handle unknown ones.
    status: serviceText(redact(status, secrets), LIMITS.status) as PinStatus['status'],
    created: serviceText(redact(created, secrets), LIMITS.created),
    pin: { cid: redact(pin.cid, secrets) },
    delegates: Array.isArray(delegates) ? addresses(delegates, secrets) : [],
  };
  if (typeof pin.name === 'string')
    out.pin.name = truncateUtf8Bytes(serviceText(redact(pin.name, origin.secrets), LIMITS.name), LIMITS.name);
  if (Array.isArray(pin.origins)) out.pin.origins = addresses(pin.origins, secrets);
  if (isObject(pin.meta)) out.pin.meta = stringMap(pin.meta, origin.secrets);
  if (isObject(info)) out.info = stringMap(info, origin.secrets);
  return out;
}

export function toPinResults(value: unknown, origin: BodyOrigin): PinResults {
  if (!isObject(value)) throw bad(origin, 'PinResults is not an object');
  const { results, count } = value;
  if (!Array.isArray(results)) throw bad(origin, 'PinResults.results is not an array');
  const parsed = results.map((r: unknown, i) => toPinStatus(r, origin, `PinResults.results[${i}]`));
  const n =
    typeof count === 'number'
      ? count
      : typeof count === 'string' && /^\d+$/.test(count)
        ? Number(count)
        : undefined;
  if (count !== undefined && count !== null && (n === undefined || !Number.isFinite(n) || n < 0)) {
    throw bad(origin, 'PinResults.count is not a non-negative number');
  }
  return { count: n ?? parsed.length, results: parsed };
}

/** The first 20 string multiaddrs, each of a sane length: the spec allows no more. */
function addresses(list: unknown[], secrets: readonly (string | undefined)[]): string[] {
  return list
    .slice(0, LIMITS.addresses)
    .filter((d): d is string => typeof d === 'string' && d.length <= LIMITS.address)
    .map((d) => serviceText(redact(d, secrets), LIMITS.address));
}

function truncateUtf8Bytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch, 'utf8') > maxBytes) break;
    out += ch;
  }
  return out;
}

/** A string map the service sent, bounded, cleaned, and with any echo of our token redacted. */
function stringMap(
  value: Record<string, unknown>,
  secrets: readonly (string | undefined)[],
): Record<string, string> {
  const entries: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (entries.length >= LIMITS.mapKeys) break;
    if (k.length > LIMITS.key) continue;
    const key = serviceText(redact(k, secrets), LIMITS.key);
    if (typeof v === 'string') entries.push([key, serviceText(redact(v, secrets), LIMITS.value)]);
    else if (typeof v === 'number' || typeof v === 'boolean') entries.push([key, String(v)]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return Object.fromEntries(entries);
}

function bad(origin: BodyOrigin, what: string, cause?: unknown): IpfsPinError {
  const body = origin.text.trim() === '' ? '' : ` Body: "${snippet(origin.text, origin.secrets, 160)}".`;
  return new IpfsPinError(
    'PSA_BAD_RESPONSE',
    `HTTP ${origin.status} from ${origin.url}: ${what}, not the Pinning Service API.${what.startsWith('a body') || what === 'an empty body' ? '' : body} Check that the endpoint is the base URL of a Pinning Service API.`,
    {
      status: origin.status,
      data: { method: origin.method, url: origin.url },
      ...(cause === undefined ? {} : { cause: plainCause(cause) }),
    },
  );
}

// A SyntaxError from JSON.parse quotes the body; keep only its kind.
function plainCause(cause: unknown): Error {
  return new Error(cause instanceof Error ? cause.name : 'parse error');
}
