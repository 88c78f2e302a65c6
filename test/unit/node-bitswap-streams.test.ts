import { describe, expect, it } from 'vitest';
import type { Stream } from '@libp2p/interface';
import { written } from '../../src/lib/node/bitswap-streams.js';

/** The parts of a stream `written` reads: its write buffer, status and events. */
class FakeStream extends EventTarget {
  writeBufferLength = 0;
  status = 'open';
}

const settled = async (p: Promise<unknown>): Promise<string> =>
  Promise.race([
    p.then(
      () => 'resolved',
      () => 'rejected',
    ),
    new Promise<string>((r) => setTimeout(() => r('pending'), 20)),
  ]);

describe('written: a kept stream has sent a message when its write buffer is empty', () => {
  it('resolves at once when nothing is buffered', async () => {
    const s = new FakeStream();
    expect(await settled(written(s as unknown as Stream))).toBe('resolved');
  });

  it('waits for the buffer to empty, not for the first idle-looking moment', async () => {
    const s = new FakeStream();
    s.writeBufferLength = 940_000;
    const p = written(s as unknown as Stream);
    expect(await settled(p)).toBe('pending');
    s.writeBufferLength = 10;
    s.dispatchEvent(new Event('idle'));
    expect(await settled(p)).toBe('pending');
    s.writeBufferLength = 0;
    s.dispatchEvent(new Event('idle'));
    expect(await settled(p)).toBe('resolved');
  });

  it('resolves when the stream closes, rejects when the sender gives up', async () => {
    const s = new FakeStream();
    s.writeBufferLength = 5;
    const closing = written(s as unknown as Stream);
    s.dispatchEvent(new Event('close'));
    expect(await settled(closing)).toBe('resolved');
    const ac = new AbortController();
    const giving = written(s as unknown as Stream, ac.signal);
    ac.abort(new Error('send timeout'));
    expect(await settled(giving)).toBe('rejected');
  });
});
