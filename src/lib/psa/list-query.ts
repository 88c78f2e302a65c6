import { IpfsPinError } from '../errors.js';
import type { ListQuery } from './types.js';

/** The spec caps `cid` at 10 per request. */
export const MAX_CIDS_PER_QUERY = 10;

/** Checks a ListQuery before anything is sent; INVALID_INPUT says what is wrong. */
export function checkListQuery(query: ListQuery): void {
  const bad = (what: string): IpfsPinError => new IpfsPinError('INVALID_INPUT', `list(): ${what}`);
  if (
    query.limit !== undefined &&
    (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000)
  ) {
    throw bad(`limit must be an integer from 1 to 1000, got ${String(query.limit)}.`);
  }
  if (
    query.cid !== undefined &&
    query.cid.some((c) => typeof c !== 'string' || c === '' || c.includes(','))
  ) {
    throw bad('every cid must be a non-empty string without commas.');
  }
  if (
    query.status !== undefined &&
    query.status.some((s: string) => typeof s !== 'string' || s === '' || s.includes(','))
  ) {
    throw bad('every status must be a non-empty string without commas (queued, pinning, pinned, failed).');
  }
  for (const key of ['before', 'after'] as const) {
    const v = query[key];
    if (v instanceof Date && Number.isNaN(v.getTime())) throw bad(`${key} is an invalid Date.`);
  }
}

/**
 * The query string for `GET /pins`, as the spec encodes it: `cid` and `status` as
 * comma lists (commas kept literal), `meta` as URL-encoded JSON, dates as ISO strings.
 */
export function encodeListQuery(query: ListQuery): string {
  const parts: string[] = [];
  const add = (key: string, value: string): void => {
    parts.push(`${key}=${value}`);
  };
  const list = (values: readonly string[]): string => values.map((v) => encodeQueryValue(v)).join(',');
  if (query.cid !== undefined && query.cid.length > 0) add('cid', list(query.cid));
  if (query.name !== undefined) add('name', encodeQueryValue(query.name));
  if (query.match !== undefined) add('match', encodeQueryValue(query.match));
  if (query.status !== undefined && query.status.length > 0) add('status', list(query.status));
  if (query.before !== undefined) add('before', encodeQueryValue(isoOf(query.before)));
  if (query.after !== undefined) add('after', encodeQueryValue(isoOf(query.after)));
  if (query.limit !== undefined) add('limit', String(query.limit));
  if (query.meta !== undefined) add('meta', encodeURIComponent(JSON.stringify(query.meta)));
  return parts.join('&');
}

/** Splits a query with more than 10 CIDs into several queries the spec allows. */
export function splitByCid(query: ListQuery): ListQuery[] {
  const cids = query.cid === undefined ? undefined : [...new Set(query.cid)];
  if (cids === undefined || cids.length <= MAX_CIDS_PER_QUERY)
    return [{ ...query, ...(cids === undefined ? {} : { cid: cids }) }];
  const out: ListQuery[] = [];
  for (let i = 0; i < cids.length; i += MAX_CIDS_PER_QUERY)
    out.push({ ...query, cid: cids.slice(i, i + MAX_CIDS_PER_QUERY) });
  return out;
}

/** encodeURIComponent, but INVALID_INPUT (not URIError) for a string with a lone surrogate. */
export function encodeQueryValue(value: string): string {
  if (!value.isWellFormed()) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      'A text value holds a broken Unicode character (a lone surrogate): fix the string.',
    );
  }
  return encodeURIComponent(value);
}

function isoOf(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}
