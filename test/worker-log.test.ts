import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInbetween } from './helpers/inbetween-process.js';

const FILE_SECRET = 'worker-log-file-secret-must-not-appear-0123456789';
const ADMIN_TOKEN = 'worker-log-admin-token-must-not-appear-0123456789';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inbetween-worker-log-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('inbetween worker logs', () => {
  it('writes only pino JSON lines, the effective configuration first with its secrets redacted', async () => {
    const { process: worker } = await startInbetween(
      ['worker', '--health-port', '0', '--render-threads', '1'],
      {
        INBETWEEN_DATA_DIR: dir,
        INBETWEEN_FILE_URL_SECRET: FILE_SECRET,
        INBETWEEN_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'info',
      },
      /health on http:\/\/[^\s"]+/,
    );
    // Its first seconds: whatever the queue polling and health server write in that time counts too.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const output = worker.output();
    await worker.kill();
    const lines = output.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const entries = lines.map((line) => {
      let entry: { level?: unknown; msg?: unknown; config?: Record<string, string> };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
      expect(typeof entry.level).toBe('number');
      return entry;
    });
    expect(output).not.toContain(FILE_SECRET);
    expect(output).not.toContain(ADMIN_TOKEN);
    expect(entries[0].msg).toBe('effective configuration');
    expect(entries[0].config).toMatchObject({
      fileUrlSecret: '[redacted]',
      adminToken: '[redacted]',
      dataDir: dir,
      logLevel: 'info',
    });
    expect(entries.some((entry) => String(entry.msg).startsWith('inbetween worker worker_'))).toBe(true);
  }, 180_000);
});
