import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

import { EncodeError } from './encode-error.js';

const BINARY = process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fromPath(env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // An empty PATH entry means the current directory; a service should never run a binary from there.
    if (dir === '') continue;
    const candidate = join(dir, BINARY);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function fromNpmPackage(): string | null {
  try {
    // required lazily: the package throws (a string, not an Error) at load time when its binary is missing.
    const installer = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path?: unknown };
    return typeof installer.path === 'string' && isExecutableFile(installer.path) ? installer.path : null;
  } catch {
    return null;
  }
}

/**
 * Finds the ffmpeg binary: `FFMPEG_PATH`, else `ffmpeg` on `PATH`, else the static build that
 * `@ffmpeg-installer/ffmpeg` ships. The system's ffmpeg wins over the npm one because it is the one the
 * operator updates; the npm build (2018) is the fallback that makes a bare `npm install` work.
 *
 * @throws EncodeError `ffmpeg_not_found` when `FFMPEG_PATH` names no executable file (an explicit setting that
 *   is wrong is an error, not a reason to quietly use another ffmpeg), or when no ffmpeg is found at all.
 */
export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.FFMPEG_PATH;
  if (configured !== undefined && configured !== '') {
    if (isExecutableFile(configured)) return configured;
    throw new EncodeError({
      code: 'ffmpeg_not_found',
      message: `FFMPEG_PATH is ${configured}, which is not an executable file`,
    });
  }
  const found = fromPath(env) ?? fromNpmPackage();
  if (found !== null) return found;
  throw new EncodeError({
    code: 'ffmpeg_not_found',
    message: 'ffmpeg not found: set FFMPEG_PATH, put ffmpeg on PATH, or install @ffmpeg-installer/ffmpeg',
  });
}
