import { describe, expect, it } from 'vitest';
import { formatBytes, formatMs, plural } from '../../src/lib/index.js';

describe('formatMs', () => {
  it.each([
    [0, '0 ms'],
    [999.4, '999 ms'],
    [1000, '1.0 s'],
    [3277, '3.3 s'],
    [59_940, '59.9 s'],
    [59_960, '1 min'],
    [60_000, '1 min'],
    [95_000, '1 min 35 s'],
    [119_400, '1 min 59 s'],
    [119_600, '2 min'],
    [3_599_600, '60 min'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });

  it('never shows 60 s inside a minute', () => {
    for (let ms = 55_000; ms < 400_000; ms += 100) expect(formatMs(ms)).not.toMatch(/\b60 s/);
  });
});

describe('formatBytes and plural', () => {
  it('formats sizes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(150 * 1024 * 1024)).toBe('150 MiB');
  });
  it('pluralises', () => {
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(2, 'directory', 'directories')).toBe('2 directories');
  });
});
