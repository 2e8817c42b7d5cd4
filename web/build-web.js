// @ts-check
// Builds the web pages into dist/web: the static files of web/public as they are, web/src compiled by tsc (no
// bundler: a handful of small ES modules load fine over one local connection), then prints the bundle's size.
// Run by `npm run build`; a clean folder each time, so a deleted source cannot leave a stale module behind.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { execPath, stdout } from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'web');

rmSync(out, { recursive: true, force: true });
cpSync(join(root, 'web', 'public'), out, { recursive: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(execPath, [tsc, '-p', join(root, 'web', 'tsconfig.json')], { stdio: 'inherit' });

/** @param {string} dir @returns {string[]} */
function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

let raw = 0;
let gzip = 0;
const all = files(out);
for (const path of all) {
  const bytes = readFileSync(path);
  raw += bytes.length;
  gzip += gzipSync(bytes, { level: 9 }).length;
}
const kb = (/** @type {number} */ bytes) => `${(bytes / 1024).toFixed(1)} KB`;
stdout.write(`web: ${all.length} files in ${relative(root, out)}, ${kb(raw)} raw, ${kb(gzip)} gzip\n`);
