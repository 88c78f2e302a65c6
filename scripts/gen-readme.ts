// `npm run docs:gen` fills the generated blocks of README.md and docs/*.md from their
// sources; `npm run docs:check` fails when one is stale. The blocks, between markers:
//
//   <!-- inputs:start --> ... <!-- inputs:end -->     the inputs table, from action.yml
//   <!-- outputs:start --> ... <!-- outputs:end -->   the outputs table, from action.yml
//   <!-- errors:start --> ... <!-- errors:end -->     the error codes, from src/lib/errors.ts
//   ```yaml example=NAME.yml ... ```                  examples/workflows/NAME.yml, verbatim
//
// The result goes through Prettier (the repository's config), so `npm run format` and the
// generator agree on every byte. Only node: built-ins, Prettier and src/lib/errors.ts (which
// imports nothing): it runs with plain `node scripts/gen-readme.ts`.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ActionEntry {
  name: string;
  description: string;
  default?: string;
}

export interface ActionSpec {
  inputs: ActionEntry[];
  outputs: ActionEntry[];
}

/** An inline YAML scalar: plain, 'single-quoted' or "double-quoted" (the forms action.yml uses). */
function scalar(raw: string): string {
  const t = raw.trim();
  if (t.startsWith("'") && t.endsWith("'") && t.length >= 2) return t.slice(1, -1).replaceAll("''", "'");
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) return JSON.parse(t) as string;
  return t;
}

/**
 * The inputs and outputs of action.yml: each key with its description and default. Reads
 * the shape GitHub documents for action metadata (two-space keys, four-space fields, inline
 * or folded `>-`/`>`/`|` values); anything else in it is an error, not a silent gap.
 */
export function parseActionYml(text: string): ActionSpec {
  const lines = text.split('\n');
  const section = (name: 'inputs' | 'outputs'): ActionEntry[] => {
    const start = lines.indexOf(`${name}:`);
    if (start < 0) throw new Error(`action.yml has no top-level "${name}:"`);
    const out: ActionEntry[] = [];
    let entry: ActionEntry | undefined;
    for (let i = start + 1; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (/^\S/.test(line)) break;
      if (line.trim() === '') continue;
      const key = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
      if (key !== null) {
        entry = { name: key[1] ?? '', description: '' };
        out.push(entry);
        continue;
      }
      const field = /^ {4}(description|default|required):(.*)$/.exec(line);
      if (field === null || entry === undefined)
        throw new Error(`action.yml line ${i + 1} is not understood: ${JSON.stringify(line)}`);
      let value = (field[2] ?? '').trim();
      if (/^[>|]-?$/.test(value)) {
        const block: string[] = [];
        while (/^ {6}\S/.test(lines[i + 1] ?? '')) block.push((lines[++i] ?? '').trim());
        value = block.join(value.startsWith('|') ? '\n' : ' ');
      } else value = scalar(value);
      if (field[1] === 'description') entry.description = value;
      else if (field[1] === 'default') entry.default = value;
    }
    return out;
  };
  return { inputs: section('inputs'), outputs: section('outputs') };
}

/** A table cell: one line, pipes escaped (GitHub would split the cell there). */
const cell = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|');

export function inputsTable(spec: ActionSpec): string {
  const rows = spec.inputs.map(
    (e) =>
      `| \`${e.name}\` | ${e.default === undefined ? '' : `\`${cell(e.default)}\``} | ${cell(e.description)} |`,
  );
  return ['| Input | Default | Description |', '| --- | --- | --- |', ...rows].join('\n');
}

export function outputsTable(spec: ActionSpec): string {
  const rows = spec.outputs.map((e) => `| \`${e.name}\` | ${cell(e.description)} |`);
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n');
}

export function errorsTable(codes: Readonly<Record<string, string>>): string {
  const rows = Object.entries(codes).map(([code, text]) => `| \`${code}\` | ${cell(text)} |`);
  return ['| Code | What to do |', '| --- | --- |', ...rows].join('\n');
}

export interface Sources {
  actionYml: string;
  /** `ERROR_CODES` of src/lib/errors.ts. */
  errorCodes: Readonly<Record<string, string>>;
  /** examples/workflows/<name> -> its text. */
  examples: Map<string, string>;
}

export async function readSources(root = repoRoot): Promise<Sources> {
  const dir = join(root, 'examples', 'workflows');
  const examples = new Map<string, string>();
  for (const name of readdirSync(dir).sort())
    if (name.endsWith('.yml')) examples.set(name, readFileSync(join(dir, name), 'utf8'));
  // The source file itself (Node strips its types), so the table never waits for a build.
  const errors = (await import(pathToFileURL(join(root, 'src', 'lib', 'errors.ts')).href)) as {
    ERROR_CODES: Record<string, string>;
  };
  return {
    actionYml: readFileSync(join(root, 'action.yml'), 'utf8'),
    errorCodes: errors.ERROR_CODES,
    examples,
  };
}

/** A fence longer than any backtick run in the text, so the text cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/**
 * Fills every marked block of one Markdown file (unformatted). Throws on a start marker
 * without its end, or an example that is not a file, so a typo is never left stale.
 */
export function fillBlocks(markdown: string, sources: Sources): string {
  const spec = parseActionYml(sources.actionYml);
  let text = markdown;
  for (const [name, table] of [
    ['inputs', inputsTable(spec)],
    ['outputs', outputsTable(spec)],
    ['errors', errorsTable(sources.errorCodes)],
  ] as const) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const a = text.indexOf(start);
    if (a < 0) continue;
    const b = text.indexOf(end, a);
    if (b < 0) throw new Error(`"${start}" has no "${end}" after it`);
    text = `${text.slice(0, a + start.length)}\n\n${table}\n\n${text.slice(b)}`;
  }
  // An example is a fenced block whose info string names its file: ```yaml example=NAME.yml
  // (GitHub shows only the code; the name stays in the source, where the check reads it).
  return text.replace(
    /^(`{3,})yaml example=(\S+)\n[\s\S]*?^\1[ \t]*$/gm,
    (_block, _fence: string, name: string) => {
      const body = sources.examples.get(name);
      if (body === undefined) throw new Error(`\`example=${name}\` names no file in examples/workflows/`);
      const f = fence(body);
      return `${f}yaml example=${name}\n${body.replace(/\n*$/, '\n')}${f}`;
    },
  );
}

/** The files the generator keeps: README.md and every docs/*.md. */
export function targetFiles(root = repoRoot): string[] {
  const docs = join(root, 'docs');
  let names: string[] = [];
  try {
    names = readdirSync(docs).filter((n) => n.endsWith('.md'));
  } catch {
    // No docs/ yet.
  }
  return [join(root, 'README.md'), ...names.sort().map((n) => join(docs, n))];
}

/** The file as the generator would write it. */
export async function generate(file: string, markdown: string, sources: Sources): Promise<string> {
  const config = (await resolveConfig(file)) ?? {};
  return format(fillBlocks(markdown, sources), { ...config, filepath: file });
}

/** The files whose generated blocks are not what the sources give. */
export async function staleFiles(root = repoRoot): Promise<string[]> {
  const sources = await readSources(root);
  const stale: string[] = [];
  for (const file of targetFiles(root)) {
    const text = readFileSync(file, 'utf8');
    if ((await generate(file, text, sources)) !== text) stale.push(file);
  }
  return stale;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const sources = await readSources();
  let failed = false;
  for (const file of targetFiles()) {
    const text = readFileSync(file, 'utf8');
    const next = await generate(file, text, sources);
    if (next === text) continue;
    const rel = file.slice(repoRoot.length + 1);
    if (check) {
      failed = true;
      process.stderr.write(`${rel} is stale: run \`npm run docs:gen\` and commit the result\n`);
    } else {
      writeFileSync(file, next);
      process.stderr.write(`${rel} updated\n`);
    }
  }
  if (failed) process.exitCode = 1;
}

if (import.meta.main) await main();
