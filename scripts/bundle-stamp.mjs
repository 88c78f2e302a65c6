// Records which source the bundle in dist/ was built from, so one `.ci/run` or `npm test`
// builds it once: `npm run bundle` (also run by check-dist) writes the stamp, and
// `npm run bundle:fresh` (npm test's pretest) rebuilds only when the stamp does not match.
//   node scripts/bundle-stamp.mjs begin   before a build: note the source it starts from
//   node scripts/bundle-stamp.mjs write   after it: stamp that source with dist/ as it is
//   node scripts/bundle-stamp.mjs check   exit 0 when dist/ was built from this source and is unchanged
// The stamp holds a hash of both sides: a change to src/, the lockfile or the TypeScript
// settings makes it stale, and so does a dist/ changed behind its back (`git checkout dist`).
/* global console */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampPath = join(root, '.tmp', 'bundle-stamp.json');
/** The source hash at the start of the build: a file edited while it runs leaves the stamp stale. */
const startPath = join(root, '.tmp', 'bundle-stamp.start');
const INPUTS = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/** Every file under each path (a file stands for itself), sorted, so the hash is stable. */
function files(paths) {
  const out = [];
  for (const p of paths) {
    if (!existsSync(p)) continue;
    if (!statSync(p).isDirectory()) {
      out.push(p);
      continue;
    }
    for (const e of readdirSync(p, { withFileTypes: true, recursive: true })) {
      if (e.isFile()) out.push(join(e.parentPath, e.name));
    }
  }
  return out.sort();
}

function hashOf(paths) {
  const hash = createHash('sha256');
  for (const f of files(paths))
    hash.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  return hash.digest('hex');
}

const sourceHash = () => hashOf(INPUTS.map((p) => join(root, p)));
const distHash = () => hashOf([join(root, 'dist')]);

const command = process.argv[2];
if (command === 'begin') {
  mkdirSync(dirname(stampPath), { recursive: true });
  rmSync(stampPath, { force: true });
  writeFileSync(startPath, sourceHash());
} else if (command === 'write') {
  const source = existsSync(startPath) ? readFileSync(startPath, 'utf8') : '';
  rmSync(startPath, { force: true });
  writeFileSync(stampPath, `${JSON.stringify({ source, dist: distHash() }, null, 2)}\n`);
} else if (command === 'check') {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
  } catch {
    process.exit(1);
  }
  if (!stamp.source || stamp.source !== sourceHash() || stamp.dist !== distHash()) process.exit(1);
  console.error('bundle: dist/ was built from this source and is unchanged since; not rebuilding');
} else {
  console.error('usage: node scripts/bundle-stamp.mjs begin|write|check');
  process.exit(2);
}
