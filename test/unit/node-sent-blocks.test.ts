import { describe, expect, it } from 'vitest';
import { BLOCK_MESSAGE_TARGET, splitBlocks, watchSentBlocks } from '../../src/lib/node/sent-blocks.js';
import type { QueuedMessage } from '../../src/lib/node/sent-blocks.js';

function message(sizes: number[]): QueuedMessage {
  return {
    full: true,
    pendingBytes: 0,
    wantlist: new Map([['w', { cancel: true }]]),
    blockPresences: new Map([['p', { type: 0 }]]),
    blocks: new Map(sizes.map((n, i) => [`b${i}`, { data: new Uint8Array(n) }])),
  };
}

describe('splitBlocks', () => {
  it('sends every block once, in order, in messages of about the target, a big block alone', () => {
    const sizes = [100, 20_000, 3_000, 3_000, 3_000, 1_048_576, 10, 16_384, 1];
    const parts = splitBlocks(message(sizes));
    expect(parts.flatMap((p) => [...p.blocks.keys()])).toEqual(sizes.map((_, i) => `b${i}`));
    expect(parts.map((p) => [...p.blocks.values()].map((b) => b.data.byteLength))).toEqual([
      [100],
      [20_000],
      [3_000, 3_000, 3_000],
      [1_048_576],
      [10],
      [16_384],
      [1],
    ]);
    for (const p of parts) {
      const bytes = [...p.blocks.values()].reduce((n, b) => n + b.data.byteLength, 0);
      expect(p.blocks.size === 1 || bytes <= BLOCK_MESSAGE_TARGET).toBe(true);
      expect(p.full).toBe(false);
    }
  });

  it('puts presences and wantlist entries in the first message only', () => {
    const parts = splitBlocks(message([20_000, 20_000]));
    expect(parts).toHaveLength(2);
    expect([...parts[0]!.blockPresences.keys()]).toEqual(['p']);
    expect([...parts[0]!.wantlist.keys()]).toEqual(['w']);
    expect(parts[1]!.blockPresences.size).toBe(0);
    expect(parts[1]!.wantlist.size).toBe(0);
  });

  it('leaves a message of one block, or of small blocks under the target, as it is', () => {
    const one = message([1_000_000]);
    expect(splitBlocks(one)).toEqual([one]);
    const small = message([1_000, 2_000, 3_000]);
    expect(splitBlocks(small)).toEqual([small]);
    const none = message([]);
    expect(splitBlocks(none)).toEqual([none]);
  });
});

describe('watchSentBlocks', () => {
  it('sends the parts one after the other and reports each to onSent', async () => {
    const calls: string[][] = [];
    const network = {
      sendMessage: async (_peer: unknown, m: QueuedMessage) => {
        calls.push([...m.blocks.keys()]);
      },
    };
    const helia = { blockBrokers: [{ name: 'bitswap', bitswap: { network } }] };
    const reported: string[][] = [];
    const watch = watchSentBlocks(helia, (peer, keys) => reported.push([peer, ...keys]));
    expect(watch.watching).toBe(true);
    await network.sendMessage('peer-a', message([20_000, 20_000, 5]));
    expect(calls).toEqual([['b0'], ['b1'], ['b2']]);
    expect(reported).toEqual([
      ['peer-a', 'b0'],
      ['peer-a', 'b1'],
      ['peer-a', 'b2'],
    ]);
    expect(watch.seen()).toBe(3);
    expect(watch.split()).toBe(1);
    watch.stop();
    await network.sendMessage('peer-a', message([20_000, 20_000]));
    expect(calls.at(-1)).toEqual(['b0', 'b1']);
  });

  it('passes through what it does not recognise and installs nothing on an unknown bitswap', async () => {
    expect(watchSentBlocks({}, () => {}).watching).toBe(false);
    const sent: unknown[] = [];
    const network = { sendMessage: async (_p: unknown, m: unknown) => void sent.push(m) };
    watchSentBlocks({ blockBrokers: [{ name: 'bitswap', bitswap: { network } }] }, () => {});
    await network.sendMessage('p', { something: 'else' });
    expect(sent).toEqual([{ something: 'else' }]);
  });
});

describe('watchSentBlocks: messages heard', () => {
  it('notes when the network last received a message, and stops listening on stop', () => {
    let now = 1_000;
    const network = Object.assign(new EventTarget(), { sendMessage: async () => {} });
    const helia = { blockBrokers: [{ name: 'bitswap', bitswap: { network } }] };
    const watch = watchSentBlocks(helia, () => {}, { now: () => now });
    expect(watch.lastHeardAt()).toBeUndefined();
    network.dispatchEvent(new Event('bitswap:message'));
    now = 2_500;
    network.dispatchEvent(new Event('bitswap:message'));
    expect(watch.heard()).toBe(2);
    expect(watch.lastHeardAt()).toBe(2_500);
    watch.stop();
    now = 9_000;
    network.dispatchEvent(new Event('bitswap:message'));
    expect(watch.heard()).toBe(2);
    expect(watch.lastHeardAt()).toBe(2_500);
  });
});
