import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package ships dist/ only; test helpers that import vitest (a dev dependency) would break every install
// that loads them and bloat the package. This builds with tsconfig.build.json, as `npm run build` does, into a
// scratch folder and reads what came out.

const ROOT = join(import.meta.dirname, '..');
let outDir: string;
let emitted: string[];

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'inbetween-build-'));
  const configPath = join(ROOT, 'tsconfig.build.json');
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, { outDir }, configPath);
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, outDir, sourceMap: false });
  const result = program.emit();
  if (result.emitSkipped) throw new Error('the build emitted nothing');
  emitted = (await filesUnder(outDir)).filter((file) => file.endsWith('.js'));
}, 120_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('the build', () => {
  it('emits the program and none of the test helpers', async () => {
    const names = emitted.map((file) => relative(outDir, file));
    expect(names).toContain(join('cli', 'main.js'));
    expect(names).toContain(join('store', 'sqlite', 'sqlite-task-store.js'));
    const importingVitest: string[] = [];
    for (const file of emitted) {
      const text = await readFile(file, 'utf8');
      if (/\bfrom\s*['"]vitest(\/[^'"]*)?['"]|\bimport\(\s*['"]vitest/.test(text)) {
        importingVitest.push(relative(outDir, file));
      }
    }
    expect(importingVitest).toEqual([]);
    expect(names.filter((name) => /\.test\.js$|store-contract-|store-test-fixtures/.test(name))).toEqual([]);
  });
});
