import { writeFile } from 'node:fs/promises';

import { encodeWav } from './encode-wav.js';
import type { StereoPcm } from './stereo-pcm.js';

/** Writes `pcm` as a 16-bit stereo WAV file (see {@link encodeWav}). */
export async function writeWav(pcm: StereoPcm, path: string, signal?: AbortSignal): Promise<void> {
  await writeFile(path, encodeWav(pcm), { signal });
}
