import { pino } from 'pino';
import { configHelp, ConfigError, describeConfig, loadConfig } from '../config/index.js';
import { openDeployment } from '../server/open-deployment.js';
import { startWorkerProcess } from '../server/worker-process.js';
import { backendSettings, routeErrorAsConfigError } from './backend-settings.js';
import { parseOffPeakWindow } from '../tasks/off-peak-window.js';

/**
 * `inbetween worker`: a render process for a scaled-out deployment (any number, on any machine, on the same
 * DATABASE_URL and STORAGE_URL), or beside `serve --workers 0` on one machine's data folder. SIGTERM stops it:
 * renders in flight are aborted and their leases expire, so another worker retries them.
 */
export async function workerCommand(argv: string[], signal: AbortSignal): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(configHelp() + '\n');
    return;
  }
  const config = loadConfig({ env: process.env, argv });
  if (config.workers === 0) {
    throw new ConfigError(
      'INBETWEEN_WORKERS / --workers: a worker needs at least 1 render slot',
      '--workers',
    );
  }
  let offPeakWindow;
  try {
    offPeakWindow = parseOffPeakWindow(config.offPeakWindow ?? '');
  } catch (error) {
    throw new ConfigError(`INBETWEEN_OFF_PEAK_WINDOW / --off-peak-window: ${(error as Error).message}`);
  }
  // One pino logger for the whole process, as serve's: JSON lines at LOG_LEVEL, so one log pipeline reads both.
  const logger = pino({ level: config.logLevel });
  logger.info({ config: describeConfig(config) }, 'effective configuration');
  const log = (error: unknown): void => logger.error({ err: error }, 'worker error');
  const deployment = await openDeployment(config, { superviseQueue: true, onError: log });
  try {
    const worker = await startWorkerProcess({
      deployment,
      concurrency: config.workers,
      leaseMs: config.leaseDuration,
      maxAttempts: config.maxAttempts,
      renderThreads: config.renderThreads,
      offPeakWindow,
      backends: backendSettings(config),
      maxImagePixels: config.maxImagePixels,
      stopGraceMs: config.shutdownGrace,
      backendWaitMs: config.upstreamTimeout,
      health: { host: config.host, port: config.healthPort },
      onError: log,
      ...(config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {}),
    }).catch((error: unknown) => {
      throw routeErrorAsConfigError(error);
    });
    const source = deployment.database === 'postgres' ? 'the pg-boss queue' : `${config.dataDir} (SQLite)`;
    logger.info(
      { owner: worker.owner, healthPort: worker.healthPort },
      `inbetween worker ${worker.owner} rendering from ${source}; health on http://${config.host}:${worker.healthPort}`,
    );
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await worker.close();
  } finally {
    await deployment.close();
  }
}
