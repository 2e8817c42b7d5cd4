import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EncodeError } from './encode-error.js';
import { resolveFfmpeg } from './resolve-ffmpeg.js';

const npmFfmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;

describe('resolveFfmpeg', () => {
  let dir: string;
  let withBinary: string;
  let withPlainFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inbetween-ffmpeg-'));
    withBinary = join(dir, 'bin');
    withPlainFile = join(dir, 'not-executable');
    await mkdir(withBinary);
    await mkdir(withPlainFile);
    await writeFile(join(withBinary, 'ffmpeg'), '#!/bin/sh\n');
    await chmod(join(withBinary, 'ffmpeg'), 0o755);
    await writeFile(join(withPlainFile, 'ffmpeg'), 'not a program');
    await mkdir(join(dir, 'dir-named-ffmpeg', 'ffmpeg'), { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes FFMPEG_PATH first', () => {
    expect(resolveFfmpeg({ FFMPEG_PATH: npmFfmpeg, PATH: withBinary })).toBe(npmFfmpeg);
  });

  it('fails clearly when FFMPEG_PATH names nothing runnable', () => {
    const missing = join(dir, 'nope', 'ffmpeg');
    expect(() => resolveFfmpeg({ FFMPEG_PATH: missing })).toThrow(EncodeError);
    expect(() => resolveFfmpeg({ FFMPEG_PATH: missing })).toThrow(
      `FFMPEG_PATH is ${missing}, which is not an executable file`,
    );
    try {
      resolveFfmpeg({ FFMPEG_PATH: join(withPlainFile, 'ffmpeg') });
      expect.unreachable();
    } catch (error) {
      expect((error as EncodeError).code).toBe('ffmpeg_not_found');
    }
  });

  it('searches PATH in order, skipping non-executables, directories and empty entries', () => {
    const PATH = ['', withPlainFile, join(dir, 'dir-named-ffmpeg'), withBinary].join(delimiter);
    expect(resolveFfmpeg({ PATH })).toBe(join(withBinary, 'ffmpeg'));
    expect(resolveFfmpeg({ PATH, FFMPEG_PATH: '' })).toBe(join(withBinary, 'ffmpeg'));
  });

  it("falls back to the npm package's static build", () => {
    expect(resolveFfmpeg({ PATH: withPlainFile })).toBe(npmFfmpeg);
    expect(resolveFfmpeg({})).toBe(npmFfmpeg);
  });
});
