import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CID } from 'multiformats/cid';
import { CustomProgressEvent } from '../../src/lib/progress.js';
import { createProgressView } from '../../src/cli/progress-view.js';
import type { PinFlowProgressEvent } from '../../src/lib/pin/types.js';

function sink(tty: boolean): {
  stream: Writable & { isTTY?: boolean; columns?: number };
  text: () => string;
} {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  stream.isTTY = tty;
  stream.columns = 200;
  return { stream, text: () => text };
}

const cid = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
const events: PinFlowProgressEvent[] = [
  new CustomProgressEvent('pin:import:done', {
    cid,
    profile: 'unixfs-v1-2025' as const,
    files: 3,
    directories: 2,
    symlinks: 0,
    bytes: 2048,
    dag: { blocks: 5, bytes: 2300 },
    skipped: [{ path: '.well-known', reason: 'hidden' as const }],
  }),
  new CustomProgressEvent('pin:submit:done', {
    service: 'svc',
    requestid: 'r1',
    status: 'queued',
    withOrigins: true,
  }),
  new CustomProgressEvent('pin:status:changed', { service: 'svc', requestid: 'r1', status: 'queued' }),
  new CustomProgressEvent('node:blocks:served', { blocksServed: 4, bytesServed: 4096, peers: 1 }),
  new CustomProgressEvent('pin:status:changed', {
    service: 'svc',
    requestid: 'r1',
    status: 'pinning',
    details: 'fetching, token s3cret-token',
  }),
];

describe('createProgressView', () => {
  it('writes plain lines without redraws when not a TTY, tokens masked', () => {
    const out = sink(false);
    const view = createProgressView(out.stream, ['s3cret-token']);
    for (const e of events) view.onProgress(e);
    view.close();
    const text = out.text();
    expect(text).not.toContain('\r');
    expect(text).not.toContain('s3cret-token');
    expect(text).toContain('notice: skipped 1 hidden entry (.well-known)');
    expect(text).toContain('svc: submitted pin r1 (queued)');
    expect(text).toContain('svc: pinning (fetching, token ***)');
    // The repeated 'queued' after the submit is not a change: one line, not two.
    expect(text.match(/svc: queued/g) ?? []).toHaveLength(0);
  });

  it('redraws one status line on a TTY and clears it at the end', () => {
    const out = sink(true);
    let t = 0;
    // Each look at the clock is 200 ms later, past the redraw throttle.
    const view = createProgressView(out.stream, [], () => (t += 200));
    for (const e of events.slice(0, 4)) view.onProgress(e);
    view.close();
    const text = out.text();
    expect(text).toContain('\r\x1b[2K');
    expect(text).toMatch(/svc queued .* \| served 4 blocks 4\.0 KiB to 1 peer/);
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('a node that starts late (after an upload) leaves the line on the services, not the import', () => {
    const out = sink(true);
    let t = 0;
    const view = createProgressView(out.stream, [], () => (t += 200));
    const [imported, submitted, queued, served] = events;
    for (const e of [imported, submitted, queued]) if (e !== undefined) view.onProgress(e);
    view.onProgress(
      new CustomProgressEvent('node:start:done', {
        kind: 'embedded' as const,
        peerId: '12D3KooWtest',
        ms: 60,
      }),
    );
    if (served !== undefined) view.onProgress(served);
    view.close();
    const after = out.text().split('12D3KooWtest').at(-1) ?? '';
    expect(after).toMatch(/svc queued .* \| served 4 blocks 4\.0 KiB to 1 peer/);
    expect(after).not.toContain('importing');
  });
});
