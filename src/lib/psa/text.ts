/** Turning untrusted response text into short, safe pieces of an error message. */
import { redactSecrets } from '../util/secret-forms.js';

const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of each secret in every form it could be echoed in
 * (URL-encoded in any case, base64, JSON-escaped...: see redactSecrets).
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const out = redactSecrets(text, secrets, REDACTED);
  // A service that echoes the request headers would echo `Bearer <token>` too.
  return out.replace(/(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`);
}

/** One line, printable, at most `max` characters, secrets removed. */
export function snippet(text: string, secrets: readonly (string | undefined)[], max = 160): string {
  const flat = redact(text, secrets)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * What a non-JSON body says, in a few words: the `<title>` of an HTML page (proxies and
 * gateways answer HTML), else its first non-empty line with tags stripped.
 */
export function describeBody(body: string, secrets: readonly (string | undefined)[]): string {
  // Redact before cutting, so no piece of a secret survives at the cut. The cut keeps the
  // regexes below cheap on hostile bodies ("<script" repeated a million times).
  const text = redact(body, secrets).slice(0, 8192);
  const title = /<title[^>]*>([\s\S]{0,400}?)<\/title>/i.exec(text)?.[1];
  if (title !== undefined && title.trim() !== '') return snippet(decodeEntities(title), secrets, 120);
  const looksHtml = /^\s*</.test(text);
  const plain = looksHtml
    ? text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, '\n')
    : text;
  const line = plain.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return snippet(looksHtml ? decodeEntities(line) : line, secrets, 120);
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * A piece of text a service sent, made fit to keep: control characters (C0, C1, line and
 * paragraph separators, bidi overrides; ANSI and OSC escapes lose their ESC and BEL) become
 * spaces, and it is cut to `max` characters. It stays data wherever it is shown.
 */
export function serviceText(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Why a requestid cannot go into `/pins/{requestid}`, or undefined when it can. */
export function requestidProblem(requestid: unknown): string | undefined {
  if (typeof requestid !== 'string' || requestid === '') return 'is not a non-empty string';
  if (requestid.length > MAX_REQUESTID_LENGTH) return `is longer than ${MAX_REQUESTID_LENGTH} characters`;
  if (requestid === '.' || requestid === '..') return 'is a path segment (. or ..) that would leave /pins/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(requestid)) return 'holds control characters';
  return undefined;
}

export const MAX_REQUESTID_LENGTH = 256;
