import { IpfsPinError } from '../lib/index.js';
import type { PinPolicy, ServiceResult } from '../lib/index.js';

export interface FailureInfo {
  code: string;
  message: string;
  hint?: string;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // Circular or a BigInt: fall back to String().
  }
  return String(value);
}

/** Turns anything thrown into a code, a message and what to do, for the log and the summary. */
export function describeFailure(err: unknown): FailureInfo {
  if (err instanceof IpfsPinError) {
    const extra: string[] = [];
    if (err.status !== undefined) extra.push(`HTTP ${err.status}`);
    if (err.reason !== undefined) extra.push(err.reason);
    if (err.details !== undefined) extra.push(err.details);
    const requestid = err.data?.['requestid'];
    if (typeof requestid === 'string') extra.push(`requestid ${requestid}`);
    return {
      code: err.code,
      message: extra.length === 0 ? err.message : `${err.message} (${extra.join(': ')})`,
      hint: err.hint,
    };
  }
  if (err instanceof Error) {
    return {
      code: 'UNEXPECTED',
      message: `${err.name}: ${err.message}`,
      hint: 'This is a bug in ipfs-pin or in one of its dependencies: please report it with the log.',
    };
  }
  return {
    code: 'UNEXPECTED',
    message: `Something that is not an Error was thrown: ${describeValue(err)}`,
    hint: 'This is a bug in ipfs-pin or in one of its dependencies: please report it with the log.',
  };
}

/** The one line `core.setFailed` gets (GitHub shows it as the job's error annotation). */
export function failureText(info: FailureInfo): string {
  return `${info.code}: ${info.message}${info.hint === undefined ? '' : `\n${info.hint}`}`;
}

/** A service that did not do its part: an error, or not `pinned` when waiting. */
export function serviceFailed(s: ServiceResult, wait: boolean): boolean {
  if (s.error !== undefined) return true;
  return wait ? s.status !== 'pinned' : s.requestid === undefined;
}

/**
 * Why the policy was not met. One failed service: its own error (its code says what to do).
 * Several: PIN_POLICY_NOT_MET naming each one with its code or status.
 */
export function policyFailure(services: ServiceResult[], policy: PinPolicy, wait: boolean): FailureInfo {
  const failed = services.filter((s) => serviceFailed(s, wait));
  const only = failed.length === 1 ? failed[0] : undefined;
  if (only?.error !== undefined) return describeFailure(only.error);
  const each = failed.map(
    (s) => `${s.service}: ${s.error === undefined ? s.status : `${s.error.code} ${s.error.message}`}`,
  );
  return describeFailure(
    new IpfsPinError(
      'PIN_POLICY_NOT_MET',
      `${failed.length} of ${services.length} services did not pin (policy: ${String(policy)}): ${each.join('; ')}`,
    ),
  );
}
