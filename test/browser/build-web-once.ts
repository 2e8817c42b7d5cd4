import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

function mtimes(dir: string): number[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs);
  } catch {
    return [];
  }
}

/**
 * Vitest global setup: the tests serve the built pages from dist/web, so they are built first when missing or
 * older than anything in web/ (`npm test` on a clean clone works without `npm run build`; in CI, which builds
 * first, this finds them current and does nothing).
 */
export default function buildWebOnce(): void {
  const built = mtimes(join(ROOT, 'dist', 'web'));
  const sources = mtimes(join(ROOT, 'web'));
  if (built.length > 0 && Math.min(...built) >= Math.max(...sources)) return;
  execFileSync(process.execPath, [join(ROOT, 'web', 'build-web.js')], { stdio: 'inherit' });
}
