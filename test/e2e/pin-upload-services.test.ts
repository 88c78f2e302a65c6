import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFilebaseS3 } from '../support/filebase-s3.js';
import { startPinataUploads } from '../support/pinata-uploads.js';
import { ipfsPin, makeSite, startMock } from './pin-helpers.js';
import type { Mock } from './pin-helpers.js';

// The CLI bundle with --upload pinata: and filebase:, against the stand-ins written from
// their documentation; the pinning API is the npm mock-ipfs-pinning-service (a name that
// starts with pinned- is pinned at once). What a stand-in receives must be the CAR the
// import wrote (--car), byte for byte.
describe('ipfs-pin pin --upload pinata: / filebase: (stand-ins)', () => {
  const token = 'mock-token-upload-1';
  let mock: Mock;
  let site: string;
  let work: string;
  beforeAll(async () => {
    [mock, site, work] = await Promise.all([
      startMock({ token }),
      makeSite(6),
      mkdtemp(join(tmpdir(), 'ipfs-pin-upload-services-')),
    ]);
  });
  afterAll(async () => {
    await mock?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('pinata: the stand-in gets the byte-identical CAR (multipart), the JWT from IPFS_PIN_UPLOAD_TOKEN never printed', async () => {
    const jwt = 'pinata-upload-jwt-e2e-0123456789';
    await using pinata = await startPinataUploads({ jwt });
    const car = join(work, 'pinata.car');
    const run = await ipfsPin(
      [
        'pin',
        site,
        '--endpoint',
        mock.url,
        '--name',
        'pinned-site',
        '--upload',
        `pinata:${pinata.url}`,
        '--car',
        car,
        '--json',
      ],
      { env: { IPFS_PIN_TOKEN: token, IPFS_PIN_UPLOAD_TOKEN: jwt } },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { cid: string; services: { delivery?: string }[] };
    expect(result.services[0]?.delivery).toBe('upload');
    expect(pinata.received).toHaveLength(1);
    expect(pinata.received[0]?.roots).toEqual([result.cid]);
    expect(pinata.received[0]?.bytes.equals(await readFile(car))).toBe(true);
    expect(run.stderr + run.stdout).not.toContain(jwt);
  });

  it('filebase: the S3 stand-in gets the byte-identical CAR (PutObject, SigV4), the secret never printed', async () => {
    const keys = {
      accessKeyId: 'FBKEYE2E0123',
      secretAccessKey: 'fb-e2e-secret-abcdefghij',
      bucket: 'e2e-pins',
    };
    await using s3 = await startFilebaseS3(keys);
    const url = new URL(`${s3.url}/${keys.bucket}`);
    url.username = keys.accessKeyId;
    url.password = keys.secretAccessKey;
    const car = join(work, 'filebase.car');
    const run = await ipfsPin(
      [
        'pin',
        site,
        '--endpoint',
        mock.url,
        '--name',
        'pinned-site-2',
        '--upload',
        `filebase:${url.toString()}`,
        '--car',
        car,
        '--json',
      ],
      { env: { IPFS_PIN_TOKEN: token } },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { cid: string; services: { delivery?: string }[] };
    expect(result.services[0]?.delivery).toBe('upload');
    expect(s3.objects).toHaveLength(1);
    expect(s3.objects[0]?.roots).toEqual([result.cid]);
    expect(s3.objects[0]?.bytes.equals(await readFile(car))).toBe(true);
    expect(run.stderr + run.stdout).not.toContain(keys.secretAccessKey);
  });
});
