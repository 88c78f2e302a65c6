import type { PinStatus } from '../../src/lib/psa/types.js';
import type { FaultHandler, RecordedRequest } from './fault-server.js';
import { failureBody, json } from './fault-server.js';

/** A valid PinStatus with overridable fields. */
export function pinStatus(overrides: Partial<PinStatus> & { cid?: string; name?: string } = {}): PinStatus {
  const { cid = 'bafkreifixture', name, ...rest } = overrides;
  return {
    requestid: 'req-fixture',
    status: 'queued',
    created: '2026-01-01T00:00:00.000Z',
    pin: name === undefined ? { cid } : { cid, name },
    delegates: ['/ip4/203.0.113.1/tcp/4001/p2p/12D3KooWJx1aT4uWnDu6vB8ab8dT8t3p3nTCvKGQ3YFXx1XkHy4V'],
    info: {},
    ...rest,
  };
}

export interface MemoryPsaOptions {
  /** Ignore `limit` and answer every match at once (Pinata). */
  ignoreLimit?: boolean;
  /** Ignore `before` (a service that keeps sending the same first page). */
  ignoreBefore?: boolean;
  /** Treat `before` as inclusive (ipfs-cluster). */
  inclusiveBefore?: boolean;
  /** Answer oldest first, so `before` paging finds nothing past page one (unsorted services). */
  oldestFirst?: boolean;
  /** Answer `count` = the page length instead of every match (a common deviation). */
  countIsPageSize?: boolean;
  /** Default page size when none is asked. */
  defaultLimit?: number;
}

/**
 * A small in-memory PSA for the fault server: `GET /pins` with cid/status/name/before/
 * limit and pagination as the spec says (newest first, `count` = every match of that
 * request's filters), `POST /pins`, `GET|DELETE /pins/:id`. Quirks switch on by option.
 */
export function memoryPsa(
  pins: PinStatus[],
  options: MemoryPsaOptions = {},
): FaultHandler & { pins: PinStatus[] } {
  let next = pins.length;
  const handler = (req: RecordedRequest): ReturnType<FaultHandler> => {
    if (req.path === '/pins' && req.method === 'GET') {
      const cids = req.query.get('cid')?.split(',');
      const statuses = req.query.get('status')?.split(',') ?? ['pinned'];
      const name = req.query.get('name');
      const before = req.query.get('before');
      const limit = Number(req.query.get('limit') ?? options.defaultLimit ?? 10);
      const matches = pins
        .filter((p) => cids === undefined || cids.includes(p.pin.cid))
        .filter((p) => statuses.includes(p.status))
        .filter((p) => name === null || p.pin.name === name)
        .filter((p) => {
          if (before === null || options.ignoreBefore === true) return true;
          const t = Date.parse(p.created);
          const b = Date.parse(before);
          return options.inclusiveBefore === true ? t <= b : t < b;
        })
        .sort(
          (a, b) => (Date.parse(b.created) - Date.parse(a.created)) * (options.oldestFirst === true ? -1 : 1),
        );
      const results = options.ignoreLimit === true ? matches : matches.slice(0, limit);
      return json(200, {
        count: options.countIsPageSize === true ? results.length : matches.length,
        results,
      });
    }
    if (req.path === '/pins' && req.method === 'POST') {
      const pin = JSON.parse(req.body) as PinStatus['pin'];
      const created: PinStatus = {
        ...pinStatus({ requestid: `mem-${++next}`, created: new Date().toISOString() }),
        pin,
      };
      pins.push(created);
      return json(202, created);
    }
    const id = /^\/pins\/(.+)$/.exec(req.path)?.[1];
    const index = pins.findIndex((p) => p.requestid === id);
    if (index < 0) return json(404, failureBody('NOT_FOUND'));
    if (req.method === 'DELETE') {
      pins.splice(index, 1);
      return { status: 202 };
    }
    if (req.method === 'POST') {
      pins.splice(index, 1);
      const pin = JSON.parse(req.body) as PinStatus['pin'];
      const created: PinStatus = {
        ...pinStatus({ requestid: `mem-${++next}`, created: new Date().toISOString() }),
        pin,
      };
      pins.push(created);
      return json(202, created);
    }
    return json(200, pins[index]);
  };
  return Object.assign(handler, { pins });
}

/** `count` pins created one second apart, newest last. */
export function manyPins(count: number, start = Date.parse('2026-01-01T00:00:00Z')): PinStatus[] {
  return Array.from({ length: count }, (_, i) =>
    pinStatus({
      requestid: `p-${i}`,
      status: 'pinned',
      cid: `bafkreimany${i}`,
      created: new Date(start + i * 1000).toISOString(),
    }),
  );
}
