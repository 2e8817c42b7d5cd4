import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { configHelp, describeConfig, loadConfig, type Config } from '../config/index.js';
import { createApiKey } from '../accounts/account-service.js';
import { assembleEmbeddedServer } from '../server/embedded-server.js';
import { backendSettings, explainRouteErrors } from './backend-settings.js';
import { openDeployment } from '../server/open-deployment.js';
import { ConfigError } from '../config/config-error.js';
import { DEFAULT_PRICE_TABLE, parsePriceTable, type PriceTable } from '../contract/index.js';
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
 * renders in this process. The first start makes an admin token and a first API key and prints them once. With
 * DATABASE_URL and STORAGE_URL it is one of any number of API processes; `--workers 0` leaves rendering to
 * `inbetween worker` processes.
 */
export async function serveCommand(argv: string[], signal: AbortSignal): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(configHelp() + '\n');
    return;
  }
  const config: Config = loadConfig({ env: process.env, argv });
  if (config.databaseUrl !== undefined) requireSharedSecrets(config);
  const offPeakWindow = readOffPeakWindow(config.offPeakWindow ?? '');
  await mkdir(config.dataDir, { recursive: true });
  // Queue supervision can fail before the app (and its logger) exists: until then a pino logger made from the
  // same options writes the same JSON lines; afterwards the app's logger does.
  let errorLog: { error: (details: object, message: string) => void } = pino({ level: config.logLevel });
  const deployment = await openDeployment(config, {
    superviseQueue: config.workers > 0,
    onError: (error) => errorLog.error({ err: error }, 'queue supervision failed'),
  });
  const { store, storage } = deployment;
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
  const prices = await readPriceTable(config.priceTable);
  let publicUrl = config.publicUrl;
  const server = explainRouteErrors(() =>
    assembleEmbeddedServer({
      store,
      storage,
      signals: deployment.signals,
      queue: deployment.queue,
      presigner: deployment.presigner,
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
        stopGraceMs: config.shutdownGrace,
        backendWaitMs: config.upstreamTimeout,
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
        prices,
      },
      backends: backendSettings(config),
      http: {
        maxBodyBytes: config.maxBodyBytes,
        syncTimeoutMs: config.syncTimeout,
        rateLimit: config.rateLimit,
        addressRateLimit: config.addressRateLimit,
        maxConcurrentIntakes: config.maxIntakes,
        trustProxy: config.trustProxy,
        headersTimeoutMs: config.headersTimeout,
        requestTimeoutMs: config.requestTimeout,
        logger: { level: config.logLevel },
        vidu: { creditsPerUsd: config.viduCreditRate },
      },
    }),
  );
  const { app } = server;
  errorLog = app.log;
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
  if (config.workers === 0) {
    process.stdout.write(
      deployment.database === 'sqlite'
        ? `--workers 0: this process renders nothing; only \`inbetween worker\` processes on this machine sharing ${config.dataDir} render\n`
        : '--workers 0: this process renders nothing; `inbetween worker` processes on the same DATABASE_URL render\n',
    );
  }
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
  await deployment.close();
}

/**
 * API processes on several machines must agree on what signs file URLs and on the admin token; one generated
 * per data folder would make a link signed by one process fail on the next, so on PostgreSQL both are settings.
 */
function requireSharedSecrets(config: Config): void {
  if (!config.fileUrlSecret && config.fileUrls === 'api') {
    throw new ConfigError(
      'INBETWEEN_FILE_URL_SECRET is required with DATABASE_URL: every API process must sign file URLs with the same secret (at least 32 characters)',
      'INBETWEEN_FILE_URL_SECRET',
    );
  }
  if (!config.adminToken) {
    throw new ConfigError(
      'INBETWEEN_ADMIN_TOKEN is required with DATABASE_URL: every API process must accept the same admin token',
      'INBETWEEN_ADMIN_TOKEN',
    );
  }
}

/** The configured price table, or the defaults; a file that cannot be read or priced stops the start. */
async function readPriceTable(path: string | undefined): Promise<PriceTable> {
  if (path === undefined) return DEFAULT_PRICE_TABLE;
  try {
    return parsePriceTable(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`INBETWEEN_PRICE_TABLE / --price-table (${path}): ${(error as Error).message}`);
  }
}

function readOffPeakWindow(text: string): OffPeakWindow | null {
  try {
    return parseOffPeakWindow(text);
  } catch (error) {
    throw new ConfigError(`INBETWEEN_OFF_PEAK_WINDOW / --off-peak-window: ${(error as Error).message}`);
  }
}
