import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectSecrets, parseInputs } from '../../src/action/inputs.js';
import { outputValues } from '../../src/action/report.js';
import { repoRoot } from '../support/peers.js';

const yml = readFileSync(join(repoRoot, 'action.yml'), 'utf8');

/** The keys two spaces in under a top-level section, with the lines of each. */
function section(name: string): Map<string, string> {
  const lines = yml.split('\n');
  const start = lines.indexOf(`${name}:`);
  const out = new Map<string, string>();
  let key: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^ {2}([a-z-]+):\s*$/.exec(line);
    if (m !== null) {
      key = m[1] ?? '';
      out.set(key, '');
    } else if (key !== undefined) out.set(key, `${out.get(key) ?? ''}${line}\n`);
  }
  return out;
}

function inputsRead(): Set<string> {
  const names = new Set<string>();
  const read = (name: string): string => {
    names.add(name);
    return name === 'path' ? 'dist' : '';
  };
  parseInputs(read);
  collectSecrets(read);
  return names;
}

describe('action.yml', () => {
  const inputs = section('inputs');
  const outputs = section('outputs');

  it('declares exactly the inputs the action reads', () => {
    expect([...inputs.keys()].sort()).toEqual([...inputsRead()].sort());
  });

  it('describes every input and output', () => {
    for (const [name, body] of [...inputs, ...outputs]) expect(body, name).toMatch(/description: \S/);
  });

  it('declares exactly the outputs the action sets', () => {
    const report = {
      outcome: 'pinned',
      path: 'd',
      name: 'n',
      profile: 'unixfs-v1-2025',
      skipped: [],
      services: [],
    } as const;
    expect([...outputs.keys()].sort()).toEqual(
      Object.keys(outputValues({ ...report, skipped: [], services: [] })).sort(),
    );
  });

  it('no input is required by the runner (path is checked by the action: cleanup goes without)', () => {
    const required = [...inputs].filter(([, body]) => body.includes('required: true')).map(([name]) => name);
    expect(required).toEqual([]);
  });

  it('runs the committed bundle on node24', () => {
    expect(yml).toMatch(/\nruns:\n {2}using: node24\n {2}main: dist\/index\.js\n/);
  });
});
