import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/peers.js';

const index = readFileSync(join(repoRoot, 'src', 'lib', 'index.ts'), 'utf8');
const doc = readFileSync(join(repoRoot, 'docs', 'library.md'), 'utf8');

/** Every name `src/lib/index.ts` exports, values and types, from its `export { ... }` lists. */
function exportedNames(source: string): string[] {
  const names: string[] = [];
  for (const m of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of (m[1] ?? '').split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name !== undefined && name !== '') names.push(name);
    }
  }
  for (const m of source.matchAll(/export\s+(?:async\s+)?(?:function|const|class|interface|type)\s+(\w+)/g))
    names.push(m[1] ?? '');
  return [...new Set(names)];
}

/** Identifiers inside inline code and code blocks of a Markdown text. */
function codeWords(markdown: string): Set<string> {
  const words = new Set<string>();
  const code = [...markdown.matchAll(/```[\s\S]*?```|`[^`\n]+`/g)].map((m) => m[0]);
  for (const c of code) for (const w of c.matchAll(/[A-Za-z_$][\w$]*/g)) words.add(w[0]);
  return words;
}

describe('docs/library.md', () => {
  const names = exportedNames(index);

  it('reads the export lists of src/lib/index.ts', () => {
    // The parse is what the next test rests on: it must see both value and type exports.
    expect(names).toContain('pinDirectory');
    expect(names).toContain('PinDirectoryOptions');
    expect(names.length).toBeGreaterThan(60);
  });

  it('mentions every public export in code', () => {
    const words = codeWords(doc);
    expect(names.filter((n) => !words.has(n))).toEqual([]);
  });
});
