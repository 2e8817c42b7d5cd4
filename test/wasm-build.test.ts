import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the committed WebAssembly drawing', () => {
  it('is what a fresh AssemblyScript build of wasm/draw-yuv.ts makes', async () => {
    const { stdout } = await run(process.execPath, ['wasm/build.mjs', '--print'], { maxBuffer: 1 << 24 });
    const committed = await readFile('src/engine/synth/wasm/draw-yuv-wasm.ts', 'utf8');
    expect(stdout.length).toBeGreaterThan(1000);
    // On a mismatch: `node wasm/build.mjs` rewrites the module from its source.
    expect(committed).toBe(stdout);
  }, 60_000);
});
