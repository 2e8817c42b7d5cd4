import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configHelp, describeConfig, loadConfig, type Config } from '../config/index.js';
import { createApiKey } from '../accounts/account-service.js';
import { assembleEmbeddedServer } from '../server/embedded-server.js';
import { openLocalFolderStorage } from '../storage/index.js';
import { openSqliteStore } from '../store/index.js';
import { ConfigError } from '../config/config-error.js';
import { expireOffPeakTasks } from '../tasks/off-peak-expiry.js';
import { parseOffPeakWindow, type OffPeakWindow } from '../tasks/off-peak-window.js';
import { DEFAULT_ORPHAN_GRACE_MS, scheduleRetention } from '../tasks/retention.js';

/** A secret kept in the data folder across restarts: made once, read back after. */
async function persistentSecret(
  dataDir: string,
  name: string,
  make: () => string,
): Promise<{ value: string; created: boolean }> {
  const path = join(dataDir, name);
  try {
    return { value: (await readFile(path, 'utf8')).trim(), created: false };
  } catch {
    const value = make();
    await writeFile(path, value + '\n', { mode: 0o600, flag: 'wx' });
    return { value, created: true };
  }
}

/**
 * `inbetween serve`: the whole service in one process with no setup: SQLite and outputs in the data folder,
 * renders in this process. The first start makes an admin token and a first API key and prints them once.
 */
export async function serveCommand(argv: string[], signal: AbortSignal): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(configHelp() + '\n');
    return;
  }
  const config: Config = loadConfig({ env: process.env, argv });
  await mkdir(config.dataDir, { recursive: true });
  const store = await openSqliteStore({ path: join(config.dataDir, 'inbetween.db') });
  const storage = await openLocalFolderStorage({ root: join(config.dataDir, 'files') });
  const adminToken = config.adminToken
    ? { value: config.adminToken, created: false }
    : await persistentSecret(
        config.dataDir,
        'admin-token',
        () => `ibadm_${randomBytes(32).toString('base64url')}`,
      );
  // Every API process of one deployment must sign with the same secret: the setting wins when given.
  const fileSecret = config.fileUrlSecret
    ? { value: config.fileUrlSecret, created: false }
    : await persistentSecret(config.dataDir, 'file-url-secret', () => randomBytes(32).toString('base64url'));
  const offPeakWindow = readOffPeakWindow(config.offPeakWindow ?? '');
  let publicUrl = config.publicUrl;
  const server = assembleEmbeddedServer({
    store,
    storage,
    // With --port 0 the port is known only once the app listens; file links must carry the real one.
    publicUrl: () => publicUrl,
    adminToken: adminToken.value,
    fileSecret: fileSecret.value,
    fileUrlTtlMs: config.fileUrlTtl,
    renderThreads: config.renderThreads,
    worker: {
      concurrency: config.workers,
      leaseMs: config.leaseDuration,
      maxAttempts: config.maxAttempts,
      offPeakWindow,
      ...(config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {}),
    },
    service: {
      allowPrivateHosts: config.allowPrivateHosts,
      fetchTimeoutMs: config.fetchTimeout,
      maxImageBytes: config.maxImageBytes,
      maxImagePixels: config.maxImagePixels,
      maxActiveTasks: config.maxActiveTasks,
      maxQueue: config.maxQueue,
    },
    http: {
      maxBodyBytes: config.maxBodyBytes,
      syncTimeoutMs: config.syncTimeout,
      rateLimit: config.rateLimit,
      logger: { level: config.logLevel },
    },
  });
  const { app } = server;
  // What the process actually runs with, in the same JSON log as everything else; secrets never appear.
  app.log.info({ config: describeConfig(config) }, 'effective configuration');
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  if (config.port === 0 && config.sources.publicUrl === 'default' && address && typeof address === 'object') {
    publicUrl = config.publicUrl.replace(/:0$/, `:${address.port}`);
  }
  server.start();
  const retention = scheduleRetention({
    store,
    storage,
    retentionMs: config.retention,
    intervalMs: config.cleanupInterval,
    // A create fetches its images (each within the fetch time limit) before its row exists: blobs younger than
    // that are never judged orphans, however long the limit is set.
    orphanGraceMs: Math.max(DEFAULT_ORPHAN_GRACE_MS, 10 * config.fetchTimeout),
    onError: (error) => app.log.error({ err: error }, 'retention sweep failed'),
  });
  // Off-peak tasks that found no idle time in 48 h are cancelled; a ten-minute check is precise enough.
  const offPeakExpiry = setInterval(() => {
    expireOffPeakTasks(store).catch((error: unknown) =>
      app.log.error({ err: error }, 'off-peak expiry failed'),
    );
  }, 600_000);
  offPeakExpiry.unref();
  process.stdout.write(`inbetween listening on ${publicUrl}\n`);
  if (adminToken.created)
    process.stdout.write(`admin token (shown once, kept in ${config.dataDir}): ${adminToken.value}\n`);
  if ((await store.listKeys()).length === 0) {
    const { secret } = await createApiKey(store, 'first key');
    process.stdout.write(`API key (shown once): ${secret}\n`);
  }
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  clearInterval(offPeakExpiry);
  retention.stop();
  await server.close();
  await storage.close();
  await store.close();
}

function readOffPeakWindow(text: string): OffPeakWindow | null {
  try {
    return parseOffPeakWindow(text);
  } catch (error) {
    throw new ConfigError(`INBETWEEN_OFF_PEAK_WINDOW / --off-peak-window: ${(error as Error).message}`);
  }
}
