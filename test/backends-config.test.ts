import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

/** Runs `inbetween serve` with `env` until it exits; answers its exit code and stderr. */
async function serve(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'inbetween-routes-'));
  try {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'serve', '--data-dir', dir, '--port', '0'],
      {
        env: { ...process.env, LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A start that does not fail would listen: kill it after a while so the test reports rather than hangs.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(timer);
    return { code, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('routes that cannot be honoured', () => {
  it('stop the start with exit code 2, naming the setting and the missing key', async () => {
    const { code, stderr } = await serve({ INBETWEEN_ROUTES: 'viduq2_pro_start_end2video=vidu,local' });
    expect(code).toBe(2);
    expect(stderr).toContain('INBETWEEN_ROUTES');
    expect(stderr).toContain('names vidu, which is not configured: VIDU_API_KEY is not set');
  }, 60_000);

  it('refuse an unknown backend name', async () => {
    const { code, stderr } = await serve({ INBETWEEN_ROUTES: '*=runway' });
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown backend "runway"');
  }, 60_000);
});
