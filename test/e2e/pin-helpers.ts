import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/peers.js';
import { startMockPsa } from '../support/mock-psa.js';
import type { MockPsa } from '../support/mock-psa.js';

/** The CLI as shipped: the committed bundle (check-dist keeps it in step with src/). */
export const cliPath = join(repoRoot, 'dist', 'cli', 'index.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built `ipfs-pin` like a user would; resolves whatever the exit status. */
export function ipfsPin(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliRun> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run bundle`);
  const started = Date.now();
  // Only what the CLI needs: no token leaks in from the environment running the tests.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', (err) => reject(new Error(`ipfs-pin ${args.join(' ')}: ${err.message}\n${stderr}`)));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** The last line of stdout: where the CID is. */
export function lastLine(text: string): string {
  return text.trimEnd().split('\n').pop() ?? '';
}

/** A small site with a nested page, a binary asset and a `.well-known/` file. */
export async function makeSite(files = 20): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ipfs-pin-site-'));
  await mkdir(join(dir, 'blog', 'first'), { recursive: true });
  await mkdir(join(dir, '.well-known'), { recursive: true });
  await writeFile(join(dir, 'index.html'), `<h1>site ${dir}</h1>\n`);
  await writeFile(join(dir, 'blog', 'first', 'index.html'), '<p>first post</p>\n');
  await writeFile(join(dir, '.well-known', 'security.txt'), 'Contact: mailto:security@example.org\n');
  for (let i = 0; i < files; i++) {
    const bytes = Buffer.alloc(30_000 + i * 1000);
    for (let j = 0; j < bytes.length; j++) bytes[j] = (j * 31 + i * 7) & 0xff;
    await writeFile(join(dir, `asset-${i}.bin`), bytes);
  }
  return dir;
}

/** A loopback port that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export type Mock = MockPsa;

// A well-formed peer ID for delegates that point at a closed loopback port.
const FAKE_PEER = '12D3KooWP6mURFmxzifJUZF8RPtQQhaj9JR4fkDqackhrYWUqf5Z';

/**
 * The npm `mock-ipfs-pinning-service` on loopback (status from the name prefix; a name
 * without one stays queued), with a loopback delegate so nothing dials out of the host.
 */
export async function startMock(options: { token?: string } = {}): Promise<Mock> {
  const delegates = `/ip4/127.0.0.1/tcp/${await closedPort()}/p2p/${FAKE_PEER}`;
  return startMockPsa({ ...options, delegates });
}
