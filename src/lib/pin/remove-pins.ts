import { IpfsPinError, isIpfsPinError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import type { CallOptions, ProgressEvent } from '../progress.js';
import type { PinStatus, PsaProgressEvent } from '../psa/types.js';
import { MAX_NAME_BYTES } from './inputs.js';
import { createServiceClients, resolveServices } from './services.js';
import type { ServiceConfig } from './types.js';

export type RemoveProgressEvent =
  | PsaProgressEvent
  | ProgressEvent<'remove:pin:done', { service: string; requestid: string; status: string }>
  | ProgressEvent<'remove:service:done', RemoveServiceResult>;

export interface RemovePinsOptions extends CallOptions<RemoveProgressEvent> {
  services: ServiceConfig[];
  /** Every pin with exactly this name is removed, in every status. */
  name: string;
  /** Per service, for listing and removing (ms). Default 2 min. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export interface RemoveServiceResult {
  service: string;
  endpoint: string;
  /** The requestids removed. */
  removed: string[];
  error?: IpfsPinError;
}

export interface RemovePinsResult {
  name: string;
  /** How many pins were removed over every service. */
  removed: number;
  services: RemoveServiceResult[];
  /** Every service listed and removed what it had. */
  ok: boolean;
}

/**
 * The end of a preview: removes every pin named `name` on every service, whatever its
 * status (queued, pinning, pinned, failed), and says how many. Services are done in
 * parallel and fail on their own: one that fails is reported in its result (and `ok` is
 * false), the others still clean up. Pins of another name are never touched, even from a
 * service that ignores the name filter.
 */
export async function removePins(options: RemovePinsOptions): Promise<RemovePinsResult> {
  const name = typeof options.name === 'string' ? options.name.trim() : '';
  if (name === '') throw new IpfsPinError('INVALID_INPUT', 'removePins needs the name of the pins to remove');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    throw new IpfsPinError('INVALID_INPUT', `the name is over ${MAX_NAME_BYTES} bytes`);
  // A bare Kubo RPC target has no pinning API and no named pins to remove.
  const services = resolveServices(options.services ?? []).filter((s) => s.psa);
  if (services.length === 0)
    throw new IpfsPinError('INVALID_INPUT', 'no pinning service given: pass at least one endpoint');
  const clients = createServiceClients(services, options.fetch === undefined ? {} : { fetch: options.fetch });

  const timeoutMs = options.timeoutMs ?? 120_000;
  const results = await Promise.all(
    services.map(async (service, i): Promise<RemoveServiceResult> => {
      const client = clients[i]!;
      const result: RemoveServiceResult = { service: service.label, endpoint: service.endpoint, removed: [] };
      const signal = AbortSignal.any([
        AbortSignal.timeout(timeoutMs),
        ...(options.signal === undefined ? [] : [options.signal]),
      ]);
      const psa = { signal, ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }) };
      try {
        const found: PinStatus[] = [];
        for await (const pin of client.list(
          { name, match: 'exact', status: ['queued', 'pinning', 'pinned', 'failed'] },
          psa,
        )) {
          if (pin.pin.name === name) found.push(pin);
        }
        for (const pin of found) {
          await client.remove(pin.requestid, psa);
          result.removed.push(pin.requestid);
          options.onProgress?.(
            new CustomProgressEvent('remove:pin:done', {
              service: service.label,
              requestid: pin.requestid,
              status: pin.status,
            }),
          );
        }
      } catch (err) {
        result.error = isIpfsPinError(err)
          ? err
          : new IpfsPinError('CLEANUP_FAILED', `${service.label}: ${String(err)}`, { cause: err });
      }
      options.onProgress?.(new CustomProgressEvent('remove:service:done', result));
      return result;
    }),
  );
  if (options.signal?.aborted === true) {
    throw new IpfsPinError('ABORTED', 'Removing the pins was aborted', { data: { services: results } });
  }
  return {
    name,
    removed: results.reduce((n, r) => n + r.removed.length, 0),
    services: results,
    ok: results.every((r) => r.error === undefined),
  };
}
