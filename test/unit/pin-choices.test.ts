import { describe, expect, it } from 'vitest';
import { chooseExistingPin, isOriginsRejection, pinsToReplace } from '../../src/lib/pin/flow.js';
import { resolveServices } from '../../src/lib/pin/services.js';
import { statusDetails, statusKind } from '../../src/lib/pin/wait.js';
import { IpfsPinError } from '../../src/lib/errors.js';
import type { PinStatus } from '../../src/lib/psa/types.js';

const CID = 'bafkreia';

function pin(
  requestid: string,
  status: string,
  created: string,
  extra: { cid?: string; name?: string } = {},
): PinStatus {
  return {
    requestid,
    status: status as PinStatus['status'],
    created,
    pin: { cid: extra.cid ?? CID, ...(extra.name === undefined ? {} : { name: extra.name }) },
    delegates: [],
  };
}

describe('chooseExistingPin', () => {
  it('prefers pinned, then the newest', () => {
    const list = [
      pin('q-new', 'queued', '2025-01-03T00:00:00Z'),
      pin('p-old', 'pinned', '2025-01-01T00:00:00Z'),
      pin('p-new', 'pinned', '2025-01-02T00:00:00Z'),
      pin('g', 'pinning', '2025-01-04T00:00:00Z'),
    ];
    expect(chooseExistingPin(list, CID)?.requestid).toBe('p-new');
  });

  it('takes pinning over queued and the newest among equals', () => {
    const list = [
      pin('q1', 'queued', '2025-01-01T00:00:00Z'),
      pin('q2', 'queued', '2025-01-02T00:00:00Z'),
      pin('g', 'pinning', '2024-01-01T00:00:00Z'),
    ];
    expect(chooseExistingPin(list, CID)?.requestid).toBe('g');
    expect(chooseExistingPin(list.slice(0, 2), CID)?.requestid).toBe('q2');
  });

  it('never reuses failed pins, unknown statuses or another CID', () => {
    const list = [
      pin('f', 'failed', '2025-01-01T00:00:00Z'),
      pin('x', 'expired', '2025-01-01T00:00:00Z'),
      pin('o', 'pinned', '2025-01-01T00:00:00Z', { cid: 'bafkreib' }),
    ];
    expect(chooseExistingPin(list, CID)).toBeUndefined();
  });
});

describe('isOriginsRejection', () => {
  it('spots a 400 about origins by reason or details', () => {
    expect(
      isOriginsRejection(
        new IpfsPinError('PSA_BAD_REQUEST', 'x', { status: 400, reason: 'INVALID_ORIGINS' }),
      ),
    ).toBe(true);
    expect(
      isOriginsRejection(
        new IpfsPinError('PSA_BAD_REQUEST', 'x', {
          status: 400,
          reason: 'BAD_REQUEST',
          details: 'origins must be public',
        }),
      ),
    ).toBe(true);
  });

  it('leaves other errors alone', () => {
    expect(
      isOriginsRejection(new IpfsPinError('PSA_BAD_REQUEST', 'x', { status: 400, reason: 'BAD_CID' })),
    ).toBe(false);
    expect(
      isOriginsRejection(new IpfsPinError('PSA_UNAUTHORIZED', 'origins', { status: 401, reason: 'ORIGINS' })),
    ).toBe(false);
    expect(isOriginsRejection(new Error('INVALID_ORIGINS'))).toBe(false);
  });
});

describe('pinsToReplace', () => {
  const before = new Date('2025-01-10T00:00:00Z');
  it('removes older pins of the name, ours and newer ones stay', () => {
    const list = [
      pin('ours', 'pinned', '2025-01-10T00:00:00Z', { name: 'site' }),
      pin('old1', 'pinned', '2025-01-01T00:00:00Z', { name: 'site', cid: 'bafkreiold' }),
      pin('old-same-cid', 'queued', '2025-01-02T00:00:00Z', { name: 'site' }),
      pin('old-failed', 'failed', '2025-01-03T00:00:00Z', { name: 'site' }),
      pin('newer', 'pinned', '2025-01-11T00:00:00Z', { name: 'site' }),
      pin('other-name', 'pinned', '2025-01-01T00:00:00Z', { name: 'site-2' }),
      pin('bad-date', 'pinned', 'yesterday', { name: 'site' }),
      pin('old1', 'pinned', '2025-01-01T00:00:00Z', { name: 'site', cid: 'bafkreiold' }),
    ];
    expect(pinsToReplace(list, { requestid: 'ours', name: 'site', before }).map((p) => p.requestid)).toEqual([
      'old1',
      'old-same-cid',
      'old-failed',
    ]);
  });
});

describe('resolveServices', () => {
  it('labels by host, numbers duplicates and defaults the budget', () => {
    const services = resolveServices([
      { endpoint: 'https://api.example/psa', token: 't' },
      { endpoint: 'https://api.example/other' },
      { endpoint: 'http://127.0.0.1:9097', label: 'cluster', minIntervalMs: 0 },
    ]);
    expect(services.map((s) => s.label)).toEqual(['api.example', 'api.example#2', 'cluster']);
    expect(services.map((s) => s.minIntervalMs)).toEqual([1000, 1000, 0]);
    expect(services[1]).not.toHaveProperty('token');
  });

  it('rejects an empty list and bad budgets', () => {
    expect(() => resolveServices([])).toThrow(/at least one/);
    expect(() => resolveServices([{ endpoint: 'http://x', minIntervalMs: -1 }])).toThrow(/minIntervalMs/);
  });
});

describe('statusKind', () => {
  it('sorts the spec statuses and keeps others pending as unknown', () => {
    expect(['queued', 'pinning', 'pinned', 'failed', 'expired'].map(statusKind)).toEqual([
      'pending',
      'pending',
      'pinned',
      'failed',
      'unknown',
    ]);
    expect(statusDetails({ status_details: 'disk full' })).toBe('disk full');
    expect(statusDetails({ status_details: ' ' })).toBeUndefined();
    expect(statusDetails(undefined)).toBeUndefined();
  });
});
