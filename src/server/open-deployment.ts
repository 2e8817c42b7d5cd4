import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { ConfigError, type Config } from '../config/index.js';
import { PgBossQueue } from '../queue/pg-boss-queue.js';
import { openPgTaskSignals } from '../queue/pg-task-signals.js';
import { withTaskSignals } from '../queue/signalling-store.js';
import { inProcessSignals, type TaskSignals } from '../queue/task-signals.js';
import {
  MAX_PRESIGN_SECONDS,
  openLocalFolderStorage,
  openS3Storage,
  parseS3Url,
  type BlobStorage,
  type S3BlobStorage,
} from '../storage/index.js';
import { openSqliteStore, type StoredTask, type TaskStore } from '../store/index.js';
import { describePostgresUrl, openPostgresStore } from '../store/postgres/index.js';

/** What every process of a deployment opens from the same settings: where tasks, files and signals live. */
export interface Deployment {
  /** `sqlite`: one machine's data folder; `postgres`: any number of processes anywhere. */
  readonly database: 'sqlite' | 'postgres';
  /** Publishes a task signal after every change it makes. */
  readonly store: TaskStore;
  readonly storage: BlobStorage;
  /** The S3 storage again when output URLs are presigned by the bucket (INBETWEEN_FILE_URLS=s3-presigned). */
  readonly presigner: S3BlobStorage | null;
  readonly signals: TaskSignals;
  /** pg-boss on PostgreSQL; null on SQLite, where workers claim from the table. */
  readonly queue: PgBossQueue | null;
  close(): Promise<void>;
}

/** Options of {@link openDeployment}. */
export interface OpenDeploymentOptions {
  /** Run pg-boss's maintenance here (worker processes). */
  superviseQueue: boolean;
  onError?: (error: unknown) => void;
}

/**
 * Opens the store, the storage, the signals and the queue the settings name, each checked now: an unreachable
 * database or bucket, or a setting that cannot be honoured, stops the start with a {@link ConfigError} naming the
 * setting, rather than a first request failing (or, worse, a private SQLite file per replica).
 */
export async function openDeployment(config: Config, options: OpenDeploymentOptions): Promise<Deployment> {
  const opened: { close(): Promise<void> }[] = [];
  const closeAll = async (): Promise<void> => {
    for (const part of opened.reverse()) await part.close().catch(() => undefined);
  };
  try {
    const storage = await openStorage(config);
    opened.push(storage);
    const presigner = config.fileUrls === 's3-presigned' ? checkPresigning(config, storage) : null;
    if (config.databaseUrl === undefined) {
      await mkdir(config.dataDir, { recursive: true });
      const raw = await openSqliteStore({ path: join(config.dataDir, 'inbetween.db') });
      opened.push(raw);
      const signals = inProcessSignals();
      return deployment('sqlite', withTaskSignals(raw, signals), storage, presigner, signals, null, closeAll);
    }
    const url = config.databaseUrl;
    // The store first: it checks the connection with a time limit and names the target. Its hooks reach the
    // queue opened right after; no task can be inserted before both are open.
    let queue: PgBossQueue | null = null;
    const viaQueue =
      (hook: 'onInsertInTransaction' | 'onRequeueInTransaction') =>
      (client: pg.PoolClient, task: StoredTask) => {
        if (!queue) throw new Error('The queue is not open yet');
        return queue.storeHooks()[hook](client, task);
      };
    const raw = await named('DATABASE_URL', url, () =>
      openPostgresStore(url, {
        onInsertInTransaction: viaQueue('onInsertInTransaction'),
        onRequeueInTransaction: viaQueue('onRequeueInTransaction'),
      }),
    );
    opened.push(raw);
    queue = await named('DATABASE_URL', url, () =>
      PgBossQueue.open({ url, supervise: options.superviseQueue, ...onErrorOf(options) }),
    );
    opened.push(queue);
    const signals = await named('DATABASE_URL', url, () =>
      openPgTaskSignals({
        pool: raw.pool,
        connect: async () => {
          const client = new pg.Client({ connectionString: url, application_name: 'inbetween-signals' });
          await client.connect();
          return client;
        },
        ...onErrorOf(options),
      }),
    );
    opened.push(signals);
    return deployment(
      'postgres',
      withTaskSignals(raw, signals),
      storage,
      presigner,
      signals,
      queue,
      closeAll,
    );
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function deployment(
  database: Deployment['database'],
  store: TaskStore,
  storage: BlobStorage,
  presigner: S3BlobStorage | null,
  signals: TaskSignals,
  queue: PgBossQueue | null,
  close: () => Promise<void>,
): Deployment {
  return { database, store, storage, presigner, signals, queue, close };
}

/** The storage STORAGE_URL names: none, the data folder; file://, that folder; s3://, the bucket (checked). */
export async function openStorage(config: Config): Promise<BlobStorage> {
  const url = config.storageUrl;
  if (url === undefined) return openLocalFolderStorage({ root: join(config.dataDir, 'files') });
  if (url.startsWith('file:')) {
    return named('STORAGE_URL', url, () => openLocalFolderStorage({ root: fileURLToPath(url) }));
  }
  const location = (() => {
    try {
      return parseS3Url(url);
    } catch (error) {
      throw new ConfigError(`STORAGE_URL / --storage-url: ${(error as Error).message}`, 'STORAGE_URL');
    }
  })();
  return named('STORAGE_URL', url, () =>
    openS3Storage({
      location,
      endpoint: config.s3Endpoint,
      region: config.s3Region,
      forcePathStyle: config.s3ForcePathStyle,
    }),
  );
}

function checkPresigning(config: Config, storage: BlobStorage): S3BlobStorage {
  if (!('presignedUrl' in storage)) {
    throw new ConfigError(
      'INBETWEEN_FILE_URLS / --file-urls: s3-presigned needs an s3:// STORAGE_URL; a folder cannot presign',
      'INBETWEEN_FILE_URLS',
    );
  }
  if (config.fileUrlTtl > MAX_PRESIGN_SECONDS * 1000) {
    throw new ConfigError(
      'INBETWEEN_FILE_URLS / --file-urls: s3-presigned URLs live at most 7 days, but INBETWEEN_FILE_URL_TTL is longer',
      'INBETWEEN_FILE_URL_TTL',
    );
  }
  return storage as S3BlobStorage;
}

/** Runs `open`; a failure becomes a ConfigError naming the setting and where it points (never a password). */
async function named<T>(
  setting: 'DATABASE_URL' | 'STORAGE_URL',
  url: string,
  open: () => Promise<T>,
): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const where = setting === 'DATABASE_URL' ? safeTarget(url) : url;
    const reason = error instanceof Error ? error.message || error.name : String(error);
    const config = new ConfigError(`${setting} (${where}) cannot be used: ${reason}`, setting);
    throw Object.assign(config, { cause: error });
  }
}

function safeTarget(url: string): string {
  try {
    return describePostgresUrl(url);
  } catch {
    return 'an invalid URL';
  }
}

function onErrorOf(options: OpenDeploymentOptions): { onError?: (error: unknown) => void } {
  return options.onError ? { onError: options.onError } : {};
}
