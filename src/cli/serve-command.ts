import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configHelp, loadConfig, type Config } from '../config/index.js';
import { createApiKey } from '../http/admin-routes.js';
import { RouteError, type BackendSettings } from '../backends/index.js';
import { assembleEmbeddedServer, type EmbeddedServer } from '../server/embedded-server.js';
import { openLocalFolderStorage } from '../storage/index.js';
import { openSqliteStore } from '../store/index.js';
import { ConfigError } from '../config/config-error.js';
import { DEFAULT_PRICE_TABLE, parsePriceTable, type PriceTable } from '../contract/index.js';
import { expireOffPeakTasks } from '../tasks/off-peak-expiry.js';
import { parseOffPeakWindow, type OffPeakWindow } from '../tasks/off-peak-window.js';
import { scheduleRetention } from '../tasks/retention.js';

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
  const prices = await readPriceTable(config.priceTable);
  let publicUrl = config.publicUrl;
  const server = assembleOrExplain({
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
      stopGraceMs: config.shutdownGrace,
      backendWaitMs: config.upstreamTimeout,
      offPeakWindow,
      ...(config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {}),
      onError: (error) =>
        process.stderr.write(`inbetween worker: ${error instanceof Error ? error.message : String(error)}\n`),
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
      logger: { level: config.logLevel },
      vidu: { creditsPerUsd: config.viduCreditRate },
    },
  });
  const { app } = server;
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

/** The configured price table, or the defaults; a file that cannot be read or priced stops the start. */
async function readPriceTable(path: string | undefined): Promise<PriceTable> {
  if (path === undefined) return DEFAULT_PRICE_TABLE;
  try {
    return parsePriceTable(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`INBETWEEN_PRICE_TABLE / --price-table (${path}): ${(error as Error).message}`);
  }
}

/** The backend settings of the configuration: a provider counts as configured once its key is set. */
function backendSettings(config: Config): BackendSettings {
  return {
    ...(config.routes ? { routes: config.routes } : {}),
    vidu: config.viduApiKey
      ? { apiKey: config.viduApiKey, baseUrl: config.viduBaseUrl, concurrency: config.viduConcurrency }
      : null,
    gateway: config.gatewayApiKey
      ? {
          apiKey: config.gatewayApiKey,
          baseUrl: config.gatewayBaseUrl,
          concurrency: config.gatewayConcurrency,
        }
      : null,
    pollIntervalMs: config.upstreamPollInterval,
    requestTimeoutMs: config.upstreamRequestTimeout,
    timeoutMs: config.upstreamTimeout,
    maxOutputBytes: config.maxOutputBytes,
    breakerThreshold: config.breakerThreshold,
    breakerCooldownMs: config.breakerCooldown,
  };
}

/** A route that cannot be honoured stops the start with the setting's name. */
function assembleOrExplain(options: Parameters<typeof assembleEmbeddedServer>[0]): EmbeddedServer {
  try {
    return assembleEmbeddedServer(options);
  } catch (error) {
    if (error instanceof RouteError) throw new ConfigError(`INBETWEEN_ROUTES / --routes: ${error.message}`);
    throw error;
  }
}

function readOffPeakWindow(text: string): OffPeakWindow | null {
  try {
    return parseOffPeakWindow(text);
  } catch (error) {
    throw new ConfigError(`INBETWEEN_OFF_PEAK_WINDOW / --off-peak-window: ${(error as Error).message}`);
  }
}
