import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/peers.js';

const pages = [
  'README.md',
  'SECURITY.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((n) => n.endsWith('.md'))
    .map((n) => `docs/${n}`),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (code blocks skipped). */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const h = /^#{1,6} (.*)$/.exec(line);
    if (!fenced && h !== null) out.add(slug(h[1] ?? ''));
  }
  return out;
}

/** Relative link targets of a Markdown text, outside code. */
function links(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((l) => !/^[a-z]+:/i.test(l));
}

describe('links between the README and the docs', () => {
  for (const page of pages) {
    it(`every relative link of ${page} reaches a file, and its #anchor a heading there`, () => {
      const text = readFileSync(join(repoRoot, page), 'utf8');
      const found = links(text);
      for (const link of found) {
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? page : join(dirname(page), path);
        expect(existsSync(join(repoRoot, target)), `${page} -> ${link}`).toBe(true);
        if (anchor !== undefined && target.endsWith('.md')) {
          const heads = anchors(readFileSync(join(repoRoot, target), 'utf8'));
          expect([...heads], `${page} -> ${link}`).toContain(anchor);
        }
      }
    });
  }

  it('finds the links it checks', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(links(readme)).toContain('docs/cli.md');
    expect(links(readme)).toContain('#quick-start');
  });
});
