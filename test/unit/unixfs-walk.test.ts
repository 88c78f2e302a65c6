// The disk walk on real temp directories: what kubo's `ipfs add -r` keeps and skips,
// and the errors a user meets.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isIpfsPinError } from '../../src/lib/errors.js';
import { importDirectory, importTree, treeFromEntries } from '../../src/lib/unixfs/index.js';
import type { ImportProgressEvent } from '../../src/lib/unixfs/index.js';
import type { CID } from 'multiformats/cid';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ipfs-pin-walk-'));
});
afterEach(async () => {
  await chmodTree(dir);
  await rm(dir, { recursive: true, force: true });
});

async function chmodTree(root: string): Promise<void> {
  execFileSync('chmod', ['-R', 'u+rwx', root]);
}

async function put(rel: string, content: string | Buffer): Promise<void> {
  const p = path.join(dir, rel);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, content);
}

const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');

async function importError(p: string | Promise<unknown>): Promise<unknown> {
  try {
    await (typeof p === 'string' ? importDirectory(p) : p);
  } catch (err) {
    return err;
  }
  throw new Error('expected the import to fail');
}

describe('hidden files', () => {
  beforeEach(async () => {
    await put('index.html', '<h1>hi</h1>');
    await put('.well-known/security.txt', 'Contact: x');
    await put('.env', 'SECRET=1');
    await put('a/.cache/x', 'x');
    await put('a/b.txt', 'b');
  });

  it('skips dot-files by default and reports each top-most one with how to include it', async () => {
    const result = await importDirectory(dir);
    expect(result.skipped.map((s) => [s.path, s.reason])).toEqual([
      ['.env', 'hidden'],
      ['.well-known', 'hidden'],
      ['a/.cache', 'hidden'],
    ]);
    for (const s of result.skipped) expect(s.detail).toMatch(/hidden: true/);
    expect(result.skipped.find((s) => s.path === '.well-known')?.detail).toMatch(/\.well-known/);
    expect(result.files).toBe(2);
    const expected = await importTree(
      treeFromEntries([
        { path: 'index.html', bytes: text('<h1>hi</h1>') },
        { path: 'a/b.txt', bytes: text('b') },
      ]),
    );
    expect(result.cid.equals(expected.cid)).toBe(true);
  });

  it('includes them with hidden: true', async () => {
    const result = await importDirectory(dir, { hidden: true });
    expect(result.skipped).toEqual([]);
    expect(result.files).toBe(5);
    expect(result.directories).toBe(4);
  });
});

describe('symlinks', () => {
  it('stores inside, outside, dangling and looping links as symlink nodes, never followed', async () => {
    await put('a.txt', 'a');
    await symlink('a.txt', path.join(dir, 'inside'));
    await symlink('/etc/passwd', path.join(dir, 'outside'));
    await symlink('../../nowhere/at/all', path.join(dir, 'dangling'));
    await symlink('loop2', path.join(dir, 'loop1'));
    await symlink('loop1', path.join(dir, 'loop2'));
    await symlink('.', path.join(dir, 'self'));
    const result = await importDirectory(dir, { profile: 'unixfs-v0-2015' });
    expect(result.symlinks).toBe(6);
    expect(result.files).toBe(1);
    expect(result.bytes).toBe(1);
    expect(result.skipped).toEqual([]);
    const expected = await importTree(
      treeFromEntries([
        { path: 'a.txt', bytes: text('a') },
        { path: 'inside', symlink: 'a.txt' },
        { path: 'outside', symlink: '/etc/passwd' },
        { path: 'dangling', symlink: '../../nowhere/at/all' },
        { path: 'loop1', symlink: 'loop2' },
        { path: 'loop2', symlink: 'loop1' },
        { path: 'self', symlink: '.' },
      ]),
      { profile: 'unixfs-v0-2015' },
    );
    expect(result.cid.toString()).toBe(expected.cid.toString());
  });

  it('follows the root path when it is itself a symlink', async () => {
    await put('site/index.html', 'x');
    await symlink('site', path.join(dir, 'link'));
    const viaLink = await importDirectory(path.join(dir, 'link'));
    const direct = await importDirectory(path.join(dir, 'site'));
    expect(viaLink.cid.equals(direct.cid)).toBe(true);
  });
});

describe('directories and files', () => {
  it('keeps empty directories', async () => {
    await put('a.txt', 'a');
    await mkdir(path.join(dir, 'empty/deeper'), { recursive: true });
    const result = await importDirectory(dir);
    expect(result.directories).toBe(3);
    const expected = await importTree(
      treeFromEntries([{ path: 'a.txt', bytes: text('a') }, { path: 'empty/deeper' }]),
    );
    expect(result.cid.equals(expected.cid)).toBe(true);
    const withoutEmpty = await importTree(treeFromEntries([{ path: 'a.txt', bytes: text('a') }]));
    expect(result.cid.equals(withoutEmpty.cid)).toBe(false);
  });

  it("gives a single file's own CID for a file path", async () => {
    await put('hello.txt', 'hello world');
    const v1 = await importDirectory(path.join(dir, 'hello.txt'));
    expect(v1.cid.toString()).toBe('bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e');
    const v0 = await importDirectory(path.join(dir, 'hello.txt'), { profile: 'unixfs-v0-2015' });
    expect(v0.cid.toString()).toBe('Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD');
    expect(v0.files).toBe(1);
    expect(v0.directories).toBe(0);
  });

  it('keeps unicode names byte for byte, sorted by bytes', async () => {
    const names = ['é.txt' /* NFC */, 'e\u0301.txt' /* NFD */, '日本語.txt', '🙂', 'Z', 'a'];
    for (const n of names) await put(n, n);
    const result = await importDirectory(dir, { blockstore: memorySink() });
    const expected = await importTree(treeFromEntries(names.map((n) => ({ path: n, bytes: text(n) }))));
    expect(result.cid.equals(expected.cid)).toBe(true);
    expect(result.files).toBe(6);
  });

  it('skips and reports a FIFO instead of hanging on it', async () => {
    await put('a.txt', 'a');
    execFileSync('mkfifo', [path.join(dir, 'pipe')]);
    const result = await importDirectory(dir);
    expect(result.skipped).toEqual([
      { path: 'pipe', reason: 'special-file', detail: expect.stringMatching(/FIFO/) as unknown },
    ]);
    expect(result.files).toBe(1);
  });

  it('skips what matches gitignore-style ignore patterns', async () => {
    await put('app.js', 'x');
    await put('app.js.map', 'x');
    await put('drafts/a.md', 'x');
    await put('docs/drafts.md', 'x');
    await put('docs/keep.map', 'x');
    const result = await importDirectory(dir, { ignore: ['*.map', '!docs/keep.map', 'drafts/'] });
    expect(result.skipped.map((s) => [s.path, s.reason])).toEqual([
      ['app.js.map', 'ignored'],
      ['drafts', 'ignored'],
    ]);
    expect(result.files).toBe(3);
  });
});

describe('errors', () => {
  it('IMPORT_NOT_FOUND for a missing path', async () => {
    const err = await importError(path.join(dir, 'nope'));
    expect(isIpfsPinError(err, 'IMPORT_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain('nope');
  });

  it('IMPORT_INVALID_NAME for a name that is not UTF-8, unless it is ignored', async () => {
    await put('ok.txt', 'x');
    const bad = Buffer.concat([Buffer.from(`${dir}/bad-`), Buffer.from([0xff, 0xfe])]);
    await writeFile(bad, 'x');
    const err = await importError(dir);
    expect(isIpfsPinError(err, 'IMPORT_INVALID_NAME')).toBe(true);
    expect((err as Error).message).toContain('bad-');
    expect((err as Error).message).toContain('fffe');
    const result = await importDirectory(dir, { ignore: ['bad-*'] });
    expect(result.files).toBe(1);
  });

  // As root, chmod does not stop reads: drop to an unprivileged effective uid for the
  // import (the kernel then really refuses), and prove the file is unreadable first.
  async function asUnprivileged<T>(fn: () => Promise<T>): Promise<T> {
    const root = process.geteuid?.() === 0;
    if (root) {
      // Everything else stays readable to the unprivileged uid.
      execFileSync('chmod', ['a+rx', dir]);
      process.seteuid?.(65534);
    }
    try {
      return await fn();
    } finally {
      if (root) process.seteuid?.(0);
    }
  }

  // access(2) checks the real uid: really try, as the import will.
  function unreadable(p: string, kind: 'file' | 'dir'): boolean {
    try {
      if (kind === 'file') closeSync(openSync(p, 'r'));
      else readdirSync(p);
      return false;
    } catch {
      return true;
    }
  }

  it('IMPORT_PERMISSION naming an unreadable file', async () => {
    await put('ok.txt', 'x');
    await put('secret.txt', 'top secret');
    const secret = path.join(dir, 'secret.txt');
    await chmod(secret, 0o000);
    await asUnprivileged(async () => {
      expect(unreadable(secret, 'file'), 'the file must really be unreadable').toBe(true);
      const err = await importError(dir);
      expect(isIpfsPinError(err, 'IMPORT_PERMISSION')).toBe(true);
      expect((err as Error).message).toContain(secret);
    });
  });

  it('IMPORT_PERMISSION naming an unlistable directory', async () => {
    await put('private/a.txt', 'x');
    const priv = path.join(dir, 'private');
    await chmod(priv, 0o000);
    await asUnprivileged(async () => {
      expect(unreadable(priv, 'dir'), 'the directory must really be unlistable').toBe(true);
      const err = await importError(dir);
      expect(isIpfsPinError(err, 'IMPORT_PERMISSION')).toBe(true);
      expect((err as Error).message).toContain(priv);
    });
  });

  it('ABORTED promptly when the signal fires mid-import', async () => {
    for (let i = 0; i < 200; i++) await put(`f${i}.txt`, `${i}`);
    const controller = new AbortController();
    let filesAtAbort = 0;
    const err = await importError(
      importDirectory(dir, {
        signal: controller.signal,
        onProgress: (e: ImportProgressEvent) => {
          if (e.type === 'unixfs:import:progress' && e.detail.files >= 10 && !controller.signal.aborted) {
            filesAtAbort = e.detail.files;
            controller.abort();
          }
        },
      }),
    );
    expect(isIpfsPinError(err, 'ABORTED')).toBe(true);
    expect(filesAtAbort).toBeGreaterThanOrEqual(10);
  });

  it('INVALID_INPUT for an unknown profile', async () => {
    // @ts-expect-error a wrong profile from untyped callers
    const err = await importError(importDirectory(dir, { profile: 'v2' }));
    expect(isIpfsPinError(err, 'INVALID_INPUT')).toBe(true);
  });
});

describe('blocks and progress', () => {
  it('streams every block to the blockstore and reports progress against walked totals', async () => {
    await put('big.bin', Buffer.alloc(3 * 1024 * 1024 + 5, 7));
    await put('d/small.txt', 'small');
    const sink = memorySink();
    const events: ImportProgressEvent[] = [];
    const result = await importDirectory(dir, { blockstore: sink, onProgress: (e) => events.push(e) });
    const root = sink.get(result.cid);
    expect(root).toBeDefined();
    expect(UnixFS.unmarshal(dagPb.decode(root as Uint8Array).Data ?? new Uint8Array()).type).toBe(
      'directory',
    );
    expect(sink.blocks.size).toBeGreaterThanOrEqual(6);
    expect(events[0]?.type).toBe('unixfs:walk:done');
    const last = events.at(-1);
    expect(last?.type).toBe('unixfs:import:done');
    const progress = events.filter((e) => e.type === 'unixfs:import:progress');
    const final = progress.at(-1);
    expect(final?.detail).toEqual({
      files: 2,
      bytes: 3 * 1024 * 1024 + 10,
      totalFiles: 2,
      totalBytes: 3 * 1024 * 1024 + 10,
    });
    expect(progress.length).toBeGreaterThan(2);
  });

  it('reads big files from disk in chunks to the same CID as the bytes in memory', async () => {
    const bytes = Buffer.alloc(2 * 262_144 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
    await put('f.bin', bytes);
    for (const profile of ['unixfs-v0-2015', 'unixfs-v1-2025'] as const) {
      const fromDisk = await importDirectory(path.join(dir, 'f.bin'), { profile });
      const fromMemory = await importTree(treeFromEntries([{ path: 'f.bin', bytes }]).children[0]!, {
        profile,
      });
      expect(fromDisk.cid.toString()).toBe(fromMemory.cid.toString());
    }
  });
});

export function memorySink(): {
  blocks: Map<string, Uint8Array>;
  put(cid: CID, bytes: Uint8Array): void;
  get(cid: CID): Uint8Array | undefined;
} {
  const blocks = new Map<string, Uint8Array>();
  return {
    blocks,
    put: (cid, bytes) => void blocks.set(cid.toString(), bytes),
    get: (cid) => blocks.get(cid.toString()),
  };
}
