import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploader } from '../../src/lib/index.js';
import type { CarSource, PinFlowProgressEvent } from '../../src/lib/index.js';
import { makeSiteCar, type CarSummary, type SiteCar } from '../support/car-check.js';
import { startPinataUploads } from '../support/pinata-uploads.js';

const JWT = 'pinata-jwt-for-tests-0123456789';

describe('Pinata v3 uploads (stand-in from its API reference; TUS by @tus/server)', () => {
  let site: SiteCar | undefined;
  let car: CarSource;
  let bytes: Buffer;
  let summary: CarSummary;

  beforeAll(async () => {
    site = await makeSiteCar('ipfs-pin-pinata-itg-');
    ({ car, bytes, summary } = site);
  }, 60_000);
  afterAll(async () => {
    await site?.remove();
  });

  it('multipart: the stand-in gets the byte-identical CAR, public, car=true, name and keyvalues', async () => {
    await using pinata = await startPinataUploads({ jwt: JWT });
    const events: PinFlowProgressEvent[] = [];
    const uploader = createUploader({ kind: 'pinata', url: pinata.url, token: JWT });
    const result = await uploader.upload(car, {
      name: 'site',
      meta: { sha: 'abc' },
      service: 'pinata',
      onProgress: (e) => events.push(e),
    });
    expect(result).toEqual({ root: car.root, pinned: true, bytes: car.bytes });
    expect(pinata.received).toHaveLength(1);
    const [got] = pinata.received;
    expect(got).toMatchObject({
      via: 'multipart',
      network: 'public',
      car: 'true',
      name: 'site',
      keyvalues: '{"sha":"abc"}',
    });
    expect(got?.bytes.equals(bytes)).toBe(true);
    expect({ roots: got?.roots, blocks: got?.blocks }).toEqual(summary);
    expect(events.filter((e) => e.type === 'upload:bytes:sent').at(-1)?.detail).toMatchObject({
      bytes: car.bytes,
    });
  });

  it('TUS: above the threshold the CAR goes in PATCH chunks and the root comes in upload-cid', async () => {
    await using pinata = await startPinataUploads({ jwt: JWT });
    const uploader = createUploader(
      { kind: 'pinata', url: pinata.url, token: JWT },
      { tusAboveBytes: 1024, chunkBytes: 1024 * 1024 },
    );
    const result = await uploader.upload(car, { name: 'site', service: 'pinata' });
    expect(result.root).toBe(car.root);
    const [got] = pinata.received;
    expect(got?.via).toBe('tus');
    expect(got?.bytes.equals(bytes)).toBe(true);
    expect({ roots: got?.roots, blocks: got?.blocks }).toEqual(summary);
    const patches = pinata.requests.filter((r) => r.startsWith('PATCH '));
    expect(patches).toHaveLength(Math.ceil(car.bytes / (1024 * 1024)));
  });

  it('TUS: a PATCH cut midway is resumed from the server offset (HEAD), and the CAR arrives whole', async () => {
    await using pinata = await startPinataUploads({ jwt: JWT, cutFirstPatchAfter: 300_000 });
    const uploader = createUploader(
      { kind: 'pinata', url: pinata.url, token: JWT },
      { tusAboveBytes: 1024, chunkBytes: 1024 * 1024, random: () => 0 },
    );
    const result = await uploader.upload(car, { name: 'site', service: 'pinata' });
    expect(result.root).toBe(car.root);
    expect(pinata.requests.some((r) => r.startsWith('HEAD '))).toBe(true);
    const [got] = pinata.received;
    expect(got?.bytes.equals(bytes)).toBe(true);
  });

  it('429 with Retry-After and a 503 are retried; the CAR still arrives once', async () => {
    await using pinata = await startPinataUploads({
      jwt: JWT,
      failFirst: { count: 2, status: 429, retryAfter: '0' },
    });
    const uploader = createUploader({ kind: 'pinata', url: pinata.url, token: JWT }, { random: () => 0 });
    const result = await uploader.upload(car, { name: 'site', service: 'pinata' });
    expect(result.root).toBe(car.root);
    expect(pinata.received).toHaveLength(1);
  });

  it('a rejected JWT fails with UPLOAD_FAILED 401, never echoing the token', async () => {
    await using pinata = await startPinataUploads({ jwt: JWT });
    const uploader = createUploader({ kind: 'pinata', url: pinata.url, token: 'wrong-jwt-0123456789' });
    const err = await uploader.upload(car, { name: 'site', service: 'pinata' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPLOAD_FAILED', status: 401 });
    expect(String((err as Error).message)).toMatch(/INVALID_CREDENTIALS/);
    expect(JSON.stringify(err) + String(err)).not.toContain('wrong-jwt-0123456789');
    expect(pinata.received).toHaveLength(0);
  });
});
