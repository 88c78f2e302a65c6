import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/command-table.js';
import { main } from '../../src/cli/main.js';
import { repoRoot } from '../support/peers.js';

const doc = readFileSync(join(repoRoot, 'docs', 'cli.md'), 'utf8');

/** What `ipfs-pin <argv>` prints on stdout and stderr, run in this process. */
async function run(argv: string[]): Promise<{ code: number; text: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  stderr.on('data', (c: Buffer) => chunks.push(c));
  const code = await main(argv, { stdout, stderr, env: {} });
  return { code, text: Buffer.concat(chunks).toString('utf8') };
}

describe('docs/cli.md', () => {
  it('shows the top-level --help as this version prints it', async () => {
    const { code, text } = await run(['--help']);
    expect(code).toBe(0);
    expect(doc).toContain(`\`\`\`text\n${text.trimEnd()}\n\`\`\``);
  });

  for (const name of Object.keys(COMMANDS)) {
    it(`shows \`ipfs-pin ${name} --help\` as this version prints it, under its own heading`, async () => {
      const { code, text } = await run([name, '--help']);
      expect(code).toBe(0);
      expect(text).toContain(`ipfs-pin ${name}`);
      expect(doc).toContain(`### \`ipfs-pin ${name}\``);
      expect(doc).toContain(`\`\`\`text\n${text.trimEnd()}\n\`\`\``);
    });
  }
});
