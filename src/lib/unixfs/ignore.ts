import ignore from 'ignore';
import { IpfsPinError } from '../errors.js';

export type IgnoreMatcher = (relativePath: string, isDirectory: boolean) => boolean;

/** gitignore semantics (the `ignore` package: what eslint and prettier use), relative to the root. */
export function createIgnoreMatcher(patterns: readonly string[] | undefined): IgnoreMatcher | undefined {
  if (patterns === undefined || patterns.length === 0) return undefined;
  for (const p of patterns) {
    if (typeof p !== 'string' || p.trim() === '') {
      throw new IpfsPinError(
        'INVALID_INPUT',
        `Each ignore pattern must be a non-empty string, got ${JSON.stringify(p)}`,
      );
    }
  }
  const ig = ignore().add(patterns);
  return (relativePath, isDirectory) => ig.ignores(isDirectory ? `${relativePath}/` : relativePath);
}
