import { describe, expect, it } from 'vitest';
import { parseDuration, parseMeta } from '../../src/lib/pin/inputs.js';

describe('parseDuration', () => {
  it('reads units and combinations', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration(' 2H ')).toBe(7_200_000);
  });

  it('reads a bare number as seconds', () => {
    expect(parseDuration('30')).toBe(30_000);
  });

  it('rejects what is not a duration', () => {
    for (const bad of ['', 'm', '10x', '10 m', '-5s', 'ten minutes', '5m junk']) {
      expect(() => parseDuration(bad), bad).toThrow(/not a duration/);
    }
  });
});

describe('parseMeta', () => {
  it('reads key=value pairs, values may hold =', () => {
    expect(parseMeta(['commit=abc', 'url=https://x/?a=b', 'empty='])).toEqual({
      commit: 'abc',
      url: 'https://x/?a=b',
      empty: '',
    });
  });

  it('lets a later pair override', () => {
    expect(parseMeta(['a=1', 'a=2'])).toEqual({ a: '2' });
  });

  it('rejects a pair without a key', () => {
    expect(() => parseMeta(['novalue'])).toThrow(/key=value/);
    expect(() => parseMeta(['=x'])).toThrow(/key=value/);
  });
});
