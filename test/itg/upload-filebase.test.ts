import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoUpload, createUploader } from '../../src/lib/index.js';
import type { CarSource } from '../../src/lib/index.js';
import { makeSiteCar, type CarSummary, type SiteCar } from '../support/car-check.js';
import { startFilebaseS3 } from '../support/filebase-s3.js';

const KEYS = {
  accessKeyId: 'FBKEY0123456789',
  secretAccessKey: 'fb-secret-abcdefghijklmnop',
  bucket: 'site-pins',
};
const TOKEN = Buffer.from(`${KEYS.accessKeyId}:${KEYS.secretAccessKey}:${KEYS.bucket}`).toString('base64');

describe('Filebase S3 import (stand-in from its documentation, SigV4 checked with aws4fetch)', () => {
  let site: SiteCar | undefined;
  let car: CarSource;
  let bytes: Buffer;
  let summary: CarSummary;

  beforeAll(async () => {
    site = await makeSiteCar('ipfs-pin-filebase-itg-');
    ({ car, bytes, summary } = site);
  }, 60_000);
  afterAll(async () => {
    await site?.remove();
  });

  it('PutObject with x-amz-meta-import: car: the byte-identical CAR arrives, the root comes back', async () => {
    await using s3 = await startFilebaseS3(KEYS);
    const uploader = createUploader({ kind: 'filebase', url: s3.url, token: TOKEN });
    const result = await uploader.upload(car, { name: 'owner/repo#pr-1', service: 'filebase' });
    expect(result).toEqual({ root: car.root, pinned: true, bytes: car.bytes });
    const [got] = s3.objects;
    expect(got?.key).toBe('owner-repo-pr-1.car');
    expect(got?.contentType).toBe('application/vnd.ipld.car');
    expect(got?.bytes.equals(bytes)).toBe(true);
    expect({ roots: got?.roots, blocks: got?.blocks }).toEqual(summary);
  });

  it('keys in the URL (https://KEY:SECRET@host/BUCKET) work the same', async () => {
    await using s3 = await startFilebaseS3(KEYS);
    const u = new URL(`${s3.url}/${KEYS.bucket}`);
    u.username = KEYS.accessKeyId;
    u.password = KEYS.secretAccessKey;
    const result = await createUploader({ kind: 'filebase', url: u.toString() }).upload(car, {
      name: 'site',
      service: 'filebase',
    });
    expect(result.root).toBe(car.root);
    expect(s3.objects[0]?.bytes.equals(bytes)).toBe(true);
  });

  it('503 SlowDown is retried (the signature made afresh)', async () => {
    await using s3 = await startFilebaseS3({ ...KEYS, slowDownFirst: 2 });
    const uploader = createUploader({ kind: 'filebase', url: s3.url, token: TOKEN }, { random: () => 0 });
    const result = await uploader.upload(car, { name: 'site', service: 'filebase' });
    expect(result.root).toBe(car.root);
    expect(s3.statuses).toEqual([503, 503, 200]);
  });

  it('a wrong secret fails with UPLOAD_FAILED 403 SignatureDoesNotMatch, no key in the message', async () => {
    await using s3 = await startFilebaseS3(KEYS);
    const wrong = Buffer.from(`${KEYS.accessKeyId}:wrong-secret-0123456789:${KEYS.bucket}`).toString(
      'base64',
    );
    const err = await createUploader({ kind: 'filebase', url: s3.url, token: wrong })
      .upload(car, { name: 'site', service: 'filebase' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPLOAD_FAILED', status: 403 });
    expect(String((err as Error).message)).toMatch(/SignatureDoesNotMatch/);
    const text = JSON.stringify(err) + String(err);
    for (const secret of ['wrong-secret-0123456789', wrong]) expect(text).not.toContain(secret);
    expect(s3.objects).toHaveLength(0);
  });

  it('an unknown bucket fails with 404 NoSuchBucket', async () => {
    await using s3 = await startFilebaseS3(KEYS);
    const other = Buffer.from(`${KEYS.accessKeyId}:${KEYS.secretAccessKey}:other-bucket`).toString('base64');
    const err = await createUploader({ kind: 'filebase', url: s3.url, token: other })
      .upload(car, { name: 'site', service: 'filebase' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPLOAD_FAILED', status: 404 });
  });

  it('auto uploads to Filebase only with the legacy KEY:SECRET:BUCKET token', () => {
    expect(autoUpload('https://api.filebase.io/v1/ipfs', TOKEN)).toEqual({ kind: 'filebase', token: TOKEN });
    expect(autoUpload('https://api.filebase.io/v1/ipfs', 'an-opaque-newer-token')).toBeUndefined();
  });
});
