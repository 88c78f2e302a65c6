import { describe, expect, it } from 'vitest';
import { parsePolicy, policyState, requiredPins } from '../../src/lib/pin/inputs.js';
import { isIpfsPinError } from '../../src/lib/errors.js';

describe('requiredPins', () => {
  it('maps all, any and numbers', () => {
    expect(requiredPins('all', 3)).toBe(3);
    expect(requiredPins('any', 3)).toBe(1);
    expect(requiredPins(2, 3)).toBe(2);
  });

  it('rejects numbers the services cannot meet', () => {
    for (const bad of [0, -1, 1.5, 4]) {
      let caught: unknown;
      try {
        requiredPins(bad, 3);
      } catch (err) {
        caught = err;
      }
      expect(isIpfsPinError(caught, 'INVALID_INPUT')).toBe(true);
    }
  });
});

describe('parsePolicy', () => {
  it('reads words and whole numbers', () => {
    expect(parsePolicy('all')).toBe('all');
    expect(parsePolicy(' ANY ')).toBe('any');
    expect(parsePolicy('2')).toBe(2);
  });

  it('rejects anything else', () => {
    for (const bad of ['', 'some', '0', '-1', '1.5', '01']) expect(() => parsePolicy(bad)).toThrow(/policy/);
  });
});

describe('policyState', () => {
  it('is met as soon as enough pinned', () => {
    expect(policyState(1, 2, 1, 1)).toBe('met');
    expect(policyState(2, 2, 2, 2)).toBe('met');
  });

  it('is impossible once too many failed', () => {
    expect(policyState(2, 2, 0, 1)).toBe('impossible');
    expect(policyState(1, 2, 0, 2)).toBe('impossible');
  });

  it('is pending while the open services can still meet it', () => {
    expect(policyState(2, 3, 1, 2)).toBe('pending');
    expect(policyState(1, 2, 0, 1)).toBe('pending');
  });
});
