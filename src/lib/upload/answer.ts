import { isObject } from '../psa/failure.js';
import { snippet } from '../psa/text.js';
import { sameCid } from '../psa/same-cid.js';
import { badAnswer } from './http.js';
import type { UploadKind } from './types.js';

/** JSON values of an answer that is one JSON document, an array, or one JSON object a line. */
export function jsonValues(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const whole: unknown = JSON.parse(trimmed);
    return Array.isArray(whole) ? whole : [whole];
  } catch {
    // NDJSON: one object a line. A line that is not JSON is kept as text for the message.
    return trimmed.split(/\r?\n/).map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return line;
      }
    });
  }
}

/** A CID as services write it: a string, or IPLD's `{"/": "..."}`. */
export function cidText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v['/'] === 'string') return v['/'];
  return undefined;
}

/** An error object inside a 2xx answer (Cluster `{code,message}`, Kubo `{Message,Type:"error"}`). */
export function inlineError(values: readonly unknown[]): string | undefined {
  for (const v of values) {
    if (!isObject(v)) continue;
    const message = v['message'] ?? v['Message'];
    if (
      typeof message === 'string' &&
      (v['code'] !== undefined || v['Type'] === 'error' || v['Code'] !== undefined)
    )
      return message;
  }
  return undefined;
}

/** Checks that the service names our root; the upload fails otherwise (a CAR it did not take whole). */
export function expectRoot(
  kind: UploadKind,
  where: string,
  root: string,
  seen: readonly string[],
  secrets: readonly (string | undefined)[],
  text: string,
): string {
  const match = seen.find((c) => sameCid(c, root));
  if (match !== undefined) return root;
  if (seen.length > 0)
    throw badAnswer(
      kind,
      where,
      `the service reports root ${snippet(seen[0] ?? '', secrets, 100)}, not ${root}: it did not take this CAR`,
    );
  throw badAnswer(
    kind,
    where,
    `the answer names no root (${text.trim() === '' ? 'an empty body' : `"${snippet(text, secrets, 120)}"`}): the upload did not finish (an error after the 200, in a trailer?)`,
  );
}
