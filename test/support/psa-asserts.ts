import { expect } from 'vitest';
import { IpfsPinError } from '../../src/lib/errors.js';

/** Every item of an async iterable (a `list()` walk), in order. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of it) out.push(item);
  return out;
}

/** The IpfsPinError a promise rejects with; fails the test when it resolves or throws anything else. */
export async function failure(p: Promise<unknown>): Promise<IpfsPinError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IpfsPinError);
    return err as IpfsPinError;
  }
  throw new Error('expected a rejection');
}
