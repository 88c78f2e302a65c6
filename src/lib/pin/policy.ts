import { IpfsPinError } from '../errors.js';
import type { PinPolicy } from './types.js';

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
