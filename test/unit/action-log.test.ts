import { describe, expect, it } from 'vitest';
import { CID } from 'multiformats/cid';
import { CustomProgressEvent } from '../../src/lib/progress.js';
import type { PinFlowProgressEvent } from '../../src/lib/pin/types.js';
import type { ImportResult } from '../../src/lib/unixfs/types.js';
import { nextPhase } from '../../src/action/log.js';
import { describeProgress } from '../../src/lib/progress-text.js';
import type { Phase } from '../../src/action/log.js';
import { createTracker } from '../../src/action/tracker.js';
import { IpfsPinError } from '../../src/lib/errors.js';

const cid = CID.parse('bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi');
const imported: ImportResult = {
  cid,
  profile: 'unixfs-v1-2025',
  files: 3,
  directories: 1,
  symlinks: 0,
  bytes: 2048,
  dag: { blocks: 5, bytes: 2300 },
  skipped: [],
};

const ev = (type: string, detail: unknown): PinFlowProgressEvent =>
  new CustomProgressEvent(type, detail) as unknown as PinFlowProgressEvent;

/** A whole successful run, as the pin flow emits it. */
const run: PinFlowProgressEvent[] = [
  ev('node:start:done', { kind: 'embedded', peerId: '12D3KooWA', ms: 85 }),
  ev('unixfs:walk:done', { files: 3, directories: 1, symlinks: 0, bytes: 2048 }),
  ev('unixfs:import:progress', { files: 3, bytes: 2048 }),
  ev('pin:import:done', imported),
  ev('psa:request:done', { method: 'GET', path: '/pins', status: 200, ms: 12 }),
  ev('pin:submit:done', { service: 'svc', requestid: 'r1', status: 'queued', withOrigins: true }),
  ev('pin:delegate:dialled', { service: 'svc', multiaddr: '/ip4/127.0.0.1/tcp/4001/p2p/X', ok: true, ms: 5 }),
  ev('psa:request:retry', {
    method: 'GET',
    path: '/pins/r1',
    attempt: 2,
    delayMs: 1500,
    status: 429,
    code: 'PSA_RATE_LIMITED',
  }),
  ev('pin:status:changed', { service: 'svc', requestid: 'r1', status: 'pinning' }),
  ev('node:blocks:served', { blocksServed: 4, bytesServed: 2200, peers: 1 }),
  ev('pin:status:changed', { service: 'svc', requestid: 'r1', status: 'pinned' }),
  ev('pin:service:done', {
    service: 'svc',
    endpoint: 'http://127.0.0.1:1/',
    requestid: 'r1',
    status: 'pinned',
    reused: false,
    delegates: [],
    dialled: [],
    ms: 3210,
  }),
  ev('pin:replace:done', { service: 'svc', removed: ['r0'] }),
];

describe('phases', () => {
  it('move import -> pin -> wait over a run and never back', () => {
    const phases: (Phase | undefined)[] = [];
    let phase: Phase | undefined;
    for (const e of run) {
      phase = nextPhase(phase, e.type);
      phases.push(phase);
    }
    expect(phases).toEqual([
      'import',
      'import',
      'import',
      'import',
      'pin', // psa:request:done: looking for an existing pin
      'pin',
      'wait',
      'wait',
      'wait',
      'wait',
      'wait',
      'wait',
      'wait',
    ]);
  });

  it('a late import event stays in the wait group', () => {
    expect(nextPhase('wait', 'unixfs:import:progress')).toBe('wait');
  });
});

describe('describeProgress (the words the action and the CLI both print)', () => {
  it('says each step in one line at the right level', () => {
    const lines = run.map((e) => describeProgress(e));
    expect(lines.map((l) => l && `${l.level}: ${l.text}`)).toEqual([
      'info: Started the embedded IPFS node 12D3KooWA in 85 ms',
      'info: Found 3 files in 1 directory, 2.0 KiB',
      'debug: Imported 3 files, 2.0 KiB',
      `info: Imported 3 files, 2.0 KiB with profile unixfs-v1-2025: ${cid.toString()}`,
      'debug: GET /pins: HTTP 200 in 12 ms',
      'info: svc: submitted pin r1 (queued)',
      'info: svc: delegate /ip4/127.0.0.1/tcp/4001/p2p/X connected in 5 ms',
      'info: GET /pins/r1: HTTP 429 (PSA_RATE_LIMITED), attempt 2, retrying in 1.5 s',
      'info: svc: pinning',
      'debug: Served 4 blocks (2.1 KiB) to 1 peer',
      'info: svc: pinned',
      'info: svc: pinned (requestid r1) after 3.2 s',
      'info: svc: removed 1 older pin: r0',
    ]);
  });

  it('warns about a status the spec does not define', () => {
    expect(
      describeProgress(ev('pin:status:unknown', { service: 's', requestid: 'r', status: 'archived' }))?.level,
    ).toBe('warning');
  });

  it('says nothing about events it does not know', () => {
    expect(describeProgress(ev('libp2p:something', {}))).toBeUndefined();
  });

  it('says why a delegate was not reached, where the log shows it', () => {
    const line = describeProgress(
      ev('pin:delegate:dialled', {
        service: 's',
        multiaddr: '/dns4/service.lab/tcp/4001/p2p/X',
        ok: false,
        ms: 2,
        error: 'resolves to a private or loopback address, not dialled',
      }),
    );
    expect(line).toEqual({
      level: 'info',
      text: 's: delegate /dns4/service.lab/tcp/4001/p2p/X not reached (resolves to a private or loopback address, not dialled)',
    });
  });
});

describe('tracker', () => {
  it('keeps the CID and each service state for a report after a failure', () => {
    const t = createTracker();
    for (const e of run.slice(0, 9)) t.onEvent(e);
    expect(t.imported?.cid.toString()).toBe(cid.toString());
    expect(t.services()).toEqual([{ service: 'svc', endpoint: '', status: 'pinning', requestid: 'r1' }]);
  });

  it('takes the final word from pin:service:done, error included', () => {
    const t = createTracker();
    t.onEvent(
      ev('pin:submit:done', { service: 'svc', requestid: 'r1', status: 'queued', withOrigins: false }),
    );
    t.onEvent(
      ev('pin:service:done', {
        service: 'svc',
        endpoint: 'http://x/',
        requestid: 'r1',
        status: 'queued',
        reused: false,
        delegates: [],
        dialled: [],
        ms: 100,
        error: new IpfsPinError('PIN_TIMEOUT', 'late'),
      }),
    );
    expect(t.services()).toEqual([
      {
        service: 'svc',
        endpoint: 'http://x/',
        requestid: 'r1',
        status: 'queued',
        ms: 100,
        reused: false,
        error: { code: 'PIN_TIMEOUT', message: 'late' },
      },
    ]);
  });
});

describe('the action log stays bounded and inert', () => {
  it('logs import progress once per thousand files and at the end, not per file', async () => {
    const { createImportProgressFilter } = await import('../../src/action/log.js');
    const keep = createImportProgressFilter();
    const kept: number[] = [];
    for (let files = 1; files <= 20_000; files++) {
      const event = {
        type: 'unixfs:import:progress',
        detail: { files, bytes: files, totalFiles: 20_000 },
      } as const;
      if (keep(event)) kept.push(files);
      if (files === 20_000 && keep(event)) kept.push(-1);
    }
    expect(kept).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 1000));
  });

  it('makes no line that starts a workflow command', async () => {
    const { commandSafe } = await import('../../src/action/log.js');
    for (const text of [
      '::warning::x',
      '  ::stop-commands::t',
      'ok\n::error::y',
      'a\r::add-mask::z',
      'b\u2028::set-output name=x::1',
    ]) {
      const out = commandSafe(text);
      expect(out).not.toMatch(/[\r\n\u2028]/);
      expect(out.split('\n').some((l) => l.trimStart().startsWith('::'))).toBe(false);
    }
  });
});
