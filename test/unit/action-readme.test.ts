import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe('README ## Error codes', () => {
  const rows = tableRows(section('## Error codes'));

  it('lists every code of ERROR_CODES, in order, with its text', () => {
    const expected = Object.entries(ERROR_CODES).map(([code, text]) => [`\`${code}\``, text]);
    expect(rows).toEqual(expected);
  });
});

describe('README ## GitHub Action', () => {
  const action = section('## GitHub Action');

  it('the inputs table lists every input of action.yml with its default', () => {
    const rows = tableRows(section('### Inputs'));
    const inputs = ymlEntries('inputs');
    expect(rows.map((r) => r[0])).toEqual([...inputs.keys()].map((k) => `\`${k}\``));
    for (const [name, value] of inputs) {
      const row = rows.find((r) => r[0] === `\`${name}\``);
      if (value !== undefined) expect(row?.[1], name).toBe(`\`${value}\``);
    }
  });

  it('the outputs table lists every output of action.yml', () => {
    const rows = tableRows(section('### Outputs'));
    expect(rows.map((r) => r[0])).toEqual([...ymlEntries('outputs').keys()].map((k) => `\`${k}\``));
  });

  it('has a quick start for each named service, previews on pull requests and releases on tags', () => {
    for (const text of [
      'api.pinata.cloud/psa',
      'api.filebase.io',
      'api.4everland.dev',
      ':9097',
      'Self-hosted',
    ]) {
      expect(action).toContain(text);
    }
    expect(action).toContain('### Preview deploys on pull requests');
    expect(action).toContain('### Releases on tags');
  });
});
