import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillBlocks, generate, readSources, staleFiles } from '../../scripts/gen-readme.js';
import { ERROR_CODES } from '../../src/lib/errors.js';
import { repoRoot } from '../support/peers.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const yml = readFileSync(join(repoRoot, 'action.yml'), 'utf8');

/** The text of a README section, from its heading to the next heading of its level or higher (code blocks skipped). */
function section(heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const lines = readme.split('\n');
  const start = lines.indexOf(heading);
  expect(start, `README has no "${heading}"`).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  let fenced = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('```')) fenced = !fenced;
    const h = /^(#+) /.exec(line);
    if (!fenced && h !== null && (h[1]?.length ?? 0) <= level) break;
    out.push(line);
  }
  return out.join('\n');
}

/** Rows of the first Markdown table in `text`, as trimmed cells, header and rule left out. */
function tableRows(text: string): string[][] {
  const lines = text.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((l) =>
    l
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim()),
  );
}

/** Top-level keys of an action.yml section with their `default:` (undefined when none). */
function ymlEntries(name: string): Map<string, string | undefined> {
  const lines = yml.split('\n');
  const out = new Map<string, string | undefined>();
  let key: string | undefined;
  for (const line of lines.slice(lines.indexOf(`${name}:`) + 1)) {
    if (/^\S/.test(line)) break;
    const k = /^ {2}([a-z-]+):\s*$/.exec(line);
    if (k !== null) out.set((key = k[1] ?? ''), undefined);
    const d = /^ {4}default: (.*)$/.exec(line);
    if (d !== null && key !== undefined) out.set(key, (d[1] ?? '').replace(/^'(.*)'$/, '$1'));
  }
  return out;
}

/** The fenced code blocks of the README: info string, first line (1-based) and body. */
function fencedBlocks(): { info: string; line: number; body: string }[] {
  const lines = readme.split('\n');
  const out: { info: string; line: number; body: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j] !== open[1]) body.push(lines[j++] ?? '');
    out.push({ info: (open[2] ?? '').trim(), line: i + 1, body: body.join('\n') });
    i = j;
  }
  return out;
}

const exampleDir = join(repoRoot, 'examples', 'workflows');
const exampleFiles = readdirSync(exampleDir).filter((n) => n.endsWith('.yml'));

/** The `with:` keys of every `uses: ipfs-pin/ipfs-pin@...` step of a workflow file. */
function ipfsPinInputs(workflow: string): string[] {
  const lines = workflow.split('\n');
  const keys: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const uses = /^(\s*)- uses: ipfs-pin\/ipfs-pin@/.exec(lines[i] ?? '');
    if (uses === null) continue;
    const step = (uses[1] ?? '').length + 2;
    let inWith = false;
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] ?? '';
      const indent = /^ */.exec(line)?.[0].length ?? 0;
      if (line.trim() === '') continue;
      if (indent < step || (indent === step && line.trimStart().startsWith('- '))) break;
      if (indent === step) inWith = /^with:\s*$/.test(line.trim());
      else if (inWith && indent === step + 2) keys.push(/^([a-z-]+):/.exec(line.trim())?.[1] ?? line);
    }
  }
  return keys;
}

describe('README generated blocks', () => {
  it('are what `npm run docs:gen` makes from action.yml, src/lib/errors.ts and examples/workflows/', async () => {
    expect(await staleFiles()).toEqual([]);
  });

  it('the check catches a stale table, a stale example and an example that is not a file', async () => {
    const sources = await readSources();
    const file = join(repoRoot, 'README.md');
    const staleTable = readme.replace('| `cid` ', '| `cid-old` ');
    const staleExample = readme.replace(
      '```yaml example=push-deploy.yml\n',
      '```yaml example=push-deploy.yml\n# edited\n',
    );
    for (const text of [staleTable, staleExample]) {
      expect(text).not.toBe(readme);
      expect(await generate(file, text, sources)).not.toBe(text);
      expect(await generate(file, text, sources)).toBe(readme);
    }
    expect(() => fillBlocks('```yaml example=no-such.yml\n```\n', sources)).toThrow(/no-such\.yml/);
    expect(() => fillBlocks('<!-- inputs:start -->\n', sources)).toThrow(/inputs:end/);
  });
});

describe('README ## Error codes', () => {
  const rows = tableRows(section('## Error codes'));

  it('lists every code of ERROR_CODES, in order, with its text', () => {
    const expected = Object.entries(ERROR_CODES).map(([code, text]) => [`\`${code}\``, text]);
    expect(rows).toEqual(expected);
  });
});

describe('README ## Inputs and ## Outputs', () => {
  it('the inputs table lists every input of action.yml with its default', () => {
    const rows = tableRows(section('## Inputs'));
    const inputs = ymlEntries('inputs');
    expect(rows.map((r) => r[0])).toEqual([...inputs.keys()].map((k) => `\`${k}\``));
    for (const [name, value] of inputs) {
      const row = rows.find((r) => r[0] === `\`${name}\``);
      expect(row?.[1], name).toBe(value === undefined ? '' : `\`${value}\``);
    }
  });

  it('the outputs table lists every output of action.yml', () => {
    const rows = tableRows(section('## Outputs'));
    expect(rows.map((r) => r[0])).toEqual([...ymlEntries('outputs').keys()].map((k) => `\`${k}\``));
  });
});

describe('README workflows', () => {
  const blocks = fencedBlocks();

  it('a reader reaches a whole workflow within the first 60 lines', () => {
    const first = blocks.find((b) => b.body.includes('uses: ipfs-pin/ipfs-pin@v1'));
    expect(first?.line).toBeLessThanOrEqual(60);
    expect(first?.body).toMatch(/^on:/m);
    expect(first?.body).toMatch(/^jobs:/m);
  });

  it('every workflow shown is a file of examples/workflows/, and every file is shown', () => {
    const shown = blocks.filter((b) => /^(on|jobs):/m.test(b.body) || b.body.includes('uses: ipfs-pin/'));
    for (const b of shown) expect(b.info, `README line ${b.line}`).toMatch(/^yaml example=\S+\.yml$/);
    const names = shown.map((b) => b.info.replace('yaml example=', ''));
    expect(names.toSorted()).toEqual(exampleFiles.toSorted());
  });

  it('shows push deploys, PR previews, the fork recipe, cleanup and releases with CAR and verify', () => {
    const byName = new Map(exampleFiles.map((n) => [n, readFileSync(join(exampleDir, n), 'utf8')]));
    const all = [...byName.values()];
    expect(all.some((w) => /^ {2}push:\n {4}branches:/m.test(w))).toBe(true);
    expect(all.some((w) => /^on: pull_request$/m.test(w) && w.includes('uses: ipfs-pin/'))).toBe(true);
    expect(all.some((w) => /^on: pull_request$/m.test(w) && w.includes('actions/upload-artifact'))).toBe(
      true,
    );
    expect(all.some((w) => /^ {2}workflow_run:/m.test(w) && w.includes('uses: ipfs-pin/'))).toBe(true);
    expect(all.some((w) => /types: \[closed\]/.test(w) && /cleanup: true/.test(w))).toBe(true);
    const release = all.find((w) => /tags:/.test(w));
    expect(release).toMatch(/car: /);
    expect(release).toMatch(/verify: true/);
    expect(release).toMatch(/gh release create "\$GITHUB_REF_NAME" "\$CAR"/);
  });

  it('every example uses ipfs-pin/ipfs-pin@v1 with inputs that exist in action.yml', () => {
    const inputs = new Set(ymlEntries('inputs').keys());
    for (const name of exampleFiles) {
      const text = readFileSync(join(exampleDir, name), 'utf8');
      if (!text.includes('ipfs-pin/ipfs-pin')) continue;
      expect(text, name).not.toMatch(/ipfs-pin\/ipfs-pin@(?!v1\s)/);
      const used = ipfsPinInputs(text);
      expect(used.length, name).toBeGreaterThan(0);
      for (const key of used) expect(inputs, `${name}: ${key}`).toContain(key);
    }
  });

  it('the fork recipe pins the artifact of the build workflow by its name', () => {
    const build = readFileSync(join(exampleDir, 'fork-preview-build.yml'), 'utf8');
    const deploy = readFileSync(join(exampleDir, 'fork-preview-deploy.yml'), 'utf8');
    const name = /^name: (\S+)$/m.exec(build)?.[1];
    expect(deploy).toContain(`workflows: [${name}]`);
    expect(deploy).not.toMatch(/actions\/checkout/);
  });
});

describe('README', () => {
  it('is a README a user reads in five minutes', () => {
    expect(readme.trimEnd().split('\n').length).toBeLessThanOrEqual(320);
  });

  it('has a quick start for each named service, previews, forks, cleanup and releases', () => {
    const quick = section('## Quick start');
    for (const text of [
      'api.pinata.cloud/psa',
      'api.filebase.io',
      'api.4everland.dev',
      ':9097',
      'Self-hosted',
    ])
      expect(quick).toContain(text);
    section('## Permissions');
    section('## Pull request previews');
    section('### Pull requests from forks');
    section('### Cleanup when the pull request closes');
    section('## Releases');
    expect(section('## Security')).toContain('[SECURITY.md](SECURITY.md)');
  });

  it('keeps the two set-up commands of a fresh clone, with a pointer from the top', () => {
    expect(section('## Develop')).toContain('npm ci && npm run demo');
    expect(section('## Develop')).toContain('npm ci && npm test');
    expect(readme.split('\n').slice(0, 15).join('\n')).toContain('(#develop)');
  });
});
