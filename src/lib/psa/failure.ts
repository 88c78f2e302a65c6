import { IpfsPinError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { describeBody, redact, snippet } from './text.js';

/** What came back, as much as an error message needs. */
export interface ResponseFacts {
  method: string;
  /** The request URL without its query. */
  url: string;
  status: number;
  text: string;
}

interface ServiceFailure {
  reason?: string;
  details?: string;
}

/** The spec's `{"error":{"reason","details"}}`, read leniently; undefined if not that shape. */
export function readFailure(text: string): ServiceFailure | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(json)) return undefined;
  const error = json.error;
  if (isObject(error)) {
    const reason = typeof error.reason === 'string' ? error.reason : undefined;
    const details = typeof error.details === 'string' ? error.details : undefined;
    if (reason !== undefined || details !== undefined) return { reason, details };
  }
  // Some services answer `{"error":"text"}` or `{"message":"text"}`.
  if (typeof error === 'string') return { details: error };
  if (typeof json.message === 'string') return { details: json.message };
  return undefined;
}

// Pinata answers 400 (not 401) when the token is missing or malformed.
const AUTH_REASONS =
  /^(KEYS_MUST_BE_STRINGS|INVALID_API_KEYS|NO_API_KEY|MISSING_API_KEY|(MISSING|INVALID|EXPIRED|BAD)_(TOKEN|JWT|CREDENTIALS|AUTH(ORI[SZ]ATION)?)|UNAUTHORI[SZ]ED|UNAUTHENTICATED)$/i;

export function codeForStatus(status: number, reason: string | undefined): ErrorCode {
  if (status === 401) return 'PSA_UNAUTHORIZED';
  if (status === 403) return 'PSA_FORBIDDEN';
  if (status === 400)
    return reason !== undefined && AUTH_REASONS.test(reason.trim()) ? 'PSA_UNAUTHORIZED' : 'PSA_BAD_REQUEST';
  if (status === 404) return 'PSA_NOT_FOUND';
  if (status === 409) return 'PSA_INSUFFICIENT_FUNDS';
  if (status === 429) return 'PSA_RATE_LIMITED';
  if (status >= 500) return 'PSA_SERVER_ERROR';
  if (status >= 300 && status < 400) return 'PSA_BAD_RESPONSE';
  return 'PSA_REQUEST_FAILED';
}

const ADVICE: Partial<Record<ErrorCode, string>> = {
  PSA_UNAUTHORIZED: 'Check the token and that it belongs to this endpoint.',
  PSA_FORBIDDEN: 'The account may not be allowed to pin (a free plan?): check it on the service.',
  PSA_NOT_FOUND: 'Check the requestid, and that the endpoint is the base URL of the Pinning Service API.',
  PSA_INSUFFICIENT_FUNDS: 'The account has no credit left: top it up.',
  PSA_BAD_REQUEST: 'The service rejected the request: its reason says what to change.',
  PSA_RATE_LIMITED: 'Retry later or lower the request rate (minIntervalMs).',
  PSA_SERVER_ERROR: 'The service failed: retry later or ask the service.',
  PSA_BAD_RESPONSE: 'Check that the endpoint is the base URL of a Pinning Service API.',
  PSA_REQUEST_FAILED: 'The service rejected the request: its reason says what to change.',
};

export function adviceFor(code: ErrorCode): string {
  return ADVICE[code] ?? '';
}

/** The error for a non-2xx answer. `secrets` are removed from every text we keep. */
export function errorFromResponse(
  facts: ResponseFacts,
  secrets: readonly (string | undefined)[],
  extra: { attempts?: number; data?: Record<string, unknown> } = {},
): IpfsPinError {
  const failure = readFailure(facts.text);
  const reason = failure?.reason === undefined ? undefined : snippet(failure.reason, secrets, 200);
  const details =
    failure?.details === undefined ? undefined : redact(failure.details, secrets).slice(0, 2000);
  const code = codeForStatus(facts.status, reason);
  let said: string;
  if (failure !== undefined) {
    said = [reason, details === undefined ? undefined : snippet(details, secrets, 200)]
      .filter((s) => s !== undefined && s !== '')
      .join(': ');
  } else {
    said = describeBody(facts.text, secrets);
  }
  const attempts =
    extra.attempts !== undefined && extra.attempts > 1 ? ` (after ${extra.attempts} attempts)` : '';
  const message =
    `HTTP ${facts.status} from ${facts.url}${said === '' ? '' : `: ${said}`}${attempts}. ${adviceFor(code)}`.trim();
  return new IpfsPinError(code, message, {
    status: facts.status,
    ...(reason === undefined ? {} : { reason }),
    ...(details === undefined ? {} : { details }),
    data: { method: facts.method, url: facts.url, ...extra.data },
  });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
