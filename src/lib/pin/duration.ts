import { IpfsPinError } from '../errors.js';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Reads a duration such as `90s`, `10m`, `1h30m`, `1.5m` or `500ms` into milliseconds.
 * A bare number means seconds (what people type for a timeout).
 */
export function parseDuration(text: string): number {
  const value = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  let match: RegExpExecArray | null;
  while ((match = part.exec(value)) !== null) {
    total += Number(match[1]) * (UNITS[match[2] ?? ''] ?? Number.NaN);
    end = part.lastIndex;
  }
  if (value === '' || end !== value.length || !Number.isFinite(total)) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `'${text}' is not a duration: use for example 90s, 10m, 1h30m or 500ms`,
    );
  }
  return Math.round(total);
}
