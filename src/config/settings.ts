import { availableParallelism } from 'node:os';

import type { SettingSpec } from './setting-types.js';

/**
 * Every setting of the service, declared once: its env var, its flag, its type, its default and its doc. The
 * `Config` type, `loadConfig`, `inbetween serve --help` and the README table are all generated from this. Order
 * matters twice: it is the order of the help, and a `derive` sees only the settings above it.
 */
export const SETTINGS = {
  host: {
    env: 'INBETWEEN_HOST',
    flag: '--host',
    type: 'string',
    default: '127.0.0.1',
    doc: 'Address the HTTP server listens on; 0.0.0.0 for every interface.',
  },
  port: {
    env: 'PORT',
    flag: '--port',
    type: 'int',
    default: '8080',
    min: 0,
    max: 65535,
    doc: 'TCP port the HTTP server listens on; 0 picks a free one.',
  },
  publicUrl: {
    env: 'INBETWEEN_PUBLIC_URL',
    flag: '--public-url',
    type: 'url',
    derived: 'http://<host>:<port>',
    derive: (settled) => `http://${reachableHost(String(settled.host))}:${Number(settled.port)}`,
    doc: 'Base URL clients reach the service at; file URLs are built on it.',
  },
  dataDir: {
    env: 'INBETWEEN_DATA_DIR',
    flag: '--data-dir',
    type: 'path',
    default: './data',
    doc: 'Folder for the embedded database, output files, the admin token and the signing secret.',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: '--database-url',
    type: 'url',
    protocols: ['postgres:', 'postgresql:'],
    derived: 'SQLite file in the data folder',
    doc: 'PostgreSQL URL; when set, API processes are stateless and workers may run elsewhere.',
    secret: true,
  },
  storageUrl: {
    env: 'STORAGE_URL',
    flag: '--storage-url',
    type: 'url',
    protocols: ['s3:', 'file:'],
    derived: '<dataDir>/files',
    doc: 'Where inputs and outputs are stored: s3://bucket/prefix or file:///folder.',
  },
  workers: {
    env: 'INBETWEEN_WORKERS',
    flag: '--workers',
    type: 'int',
    default: '1',
    min: 0,
    max: 64,
    doc: 'Renders this process runs at once; 0 runs none (API only, workers elsewhere).',
  },
  renderThreads: {
    env: 'INBETWEEN_RENDER_THREADS',
    flag: '--render-threads',
    type: 'int',
    min: 1,
    max: 1024,
    derived: 'number of CPU cores',
    derive: () => String(availableParallelism()),
    doc: 'Threads one render may use for optical flow and frame synthesis.',
  },
  ffmpegPath: {
    env: 'FFMPEG_PATH',
    flag: '--ffmpeg-path',
    type: 'string',
    derived: 'the bundled ffmpeg',
    doc: 'ffmpeg binary used to encode videos: a path or a command on PATH.',
  },
  fileUrlTtl: {
    env: 'INBETWEEN_FILE_URL_TTL',
    flag: '--file-url-ttl',
    type: 'duration-ms',
    default: '24h',
    min: 1000,
    doc: 'How long a signed output URL in a task works.',
  },
  fileUrlSecret: {
    env: 'INBETWEEN_FILE_URL_SECRET',
    type: 'string',
    minLength: 32,
    secret: true,
    derived: 'generated on first start, kept in the data folder',
    doc: 'Key that signs output URLs; every API process of one deployment needs the same one.',
  },
  retention: {
    env: 'INBETWEEN_RETENTION',
    flag: '--retention',
    type: 'duration-ms',
    default: '7d',
    min: 60_000,
    doc: 'How long finished tasks keep their inputs and outputs before cleanup deletes them.',
  },
  cleanupInterval: {
    env: 'INBETWEEN_CLEANUP_INTERVAL',
    flag: '--cleanup-interval',
    type: 'duration-ms',
    default: '1h',
    min: 1000,
    doc: 'How often the retention cleanup runs.',
  },
  syncTimeout: {
    env: 'INBETWEEN_SYNC_TIMEOUT',
    flag: '--sync-timeout',
    type: 'duration-ms',
    default: '300s',
    min: 1000,
    doc: 'How long POST /model/v1/generation/sync waits before answering 504 with the task.',
  },
  leaseDuration: {
    env: 'INBETWEEN_LEASE_DURATION',
    flag: '--lease-duration',
    type: 'duration-ms',
    default: '30s',
    min: 1000,
    doc: 'How long a worker holds a task without a heartbeat before it returns to the queue.',
  },
  maxAttempts: {
    env: 'INBETWEEN_MAX_ATTEMPTS',
    flag: '--max-attempts',
    type: 'int',
    default: '3',
    min: 1,
    max: 100,
    doc: 'Leases a task may lose before it fails with 002014012.',
  },
  rateLimit: {
    env: 'INBETWEEN_RATE_LIMIT',
    flag: '--rate-limit',
    type: 'int',
    default: '50',
    min: 1,
    max: 1_000_000,
    doc: 'Requests per second one API key may make on average (a burst of twice as many is allowed); 429 beyond.',
  },
  maxActiveTasks: {
    env: 'INBETWEEN_MAX_ACTIVE_TASKS',
    flag: '--max-active-tasks',
    type: 'int',
    default: '20',
    min: 1,
    max: 1_000_000,
    doc: 'Pending and processing tasks one API key may have at once; creating more answers 429.',
  },
  maxQueue: {
    env: 'INBETWEEN_MAX_QUEUE',
    flag: '--max-queue',
    type: 'int',
    default: '1000',
    min: 1,
    max: 100_000_000,
    doc: 'Pending tasks the service accepts in all; beyond, creating answers 503 queue_full with Retry-After.',
  },
  offPeakWindow: {
    env: 'INBETWEEN_OFF_PEAK_WINDOW',
    flag: '--off-peak-window',
    type: 'string',
    derived: 'none: off-peak tasks wait for an idle service',
    doc: 'Daily UTC window (HH:MM-HH:MM, may wrap midnight) in which off_peak tasks run even when the service is busy; outside it they run only when it is idle.',
  },
  allowPrivateHosts: {
    env: 'INBETWEEN_ALLOW_PRIVATE_HOSTS',
    flag: '--allow-private-hosts',
    type: 'list',
    default: '',
    doc: 'Hosts or addresses exempt from the private-address refusal on image fetches and callbacks (for tests).',
  },
  fetchTimeout: {
    env: 'INBETWEEN_FETCH_TIMEOUT',
    flag: '--fetch-timeout',
    type: 'duration-ms',
    default: '15s',
    min: 100,
    doc: 'Time limit for fetching one image URL or delivering one callback.',
  },
  maxBodyBytes: {
    env: 'INBETWEEN_MAX_BODY_BYTES',
    flag: '--max-body-bytes',
    type: 'bytes',
    default: '20MB',
    min: 1024,
    doc: 'Largest request body; larger ones are answered 413.',
  },
  maxImageBytes: {
    env: 'INBETWEEN_MAX_IMAGE_BYTES',
    flag: '--max-image-bytes',
    type: 'bytes',
    default: '50MB',
    min: 1024,
    doc: 'Largest input image, enforced while streaming a URL.',
  },
  maxImagePixels: {
    env: 'INBETWEEN_MAX_IMAGE_PIXELS',
    flag: '--max-image-pixels',
    type: 'int',
    default: '100000000',
    min: 1,
    doc: 'Largest decoded input image in pixels, against decompression bombs.',
  },
  priceTable: {
    env: 'INBETWEEN_PRICE_TABLE',
    flag: '--price-table',
    type: 'path',
    derived: 'the built-in list prices (see Money)',
    doc: 'JSON price table file (USD per task and per second for each resolution, is_rec, off-peak discount, updated_at); checked at start.',
  },
  viduCreditRate: {
    env: 'INBETWEEN_VIDU_CREDIT_RATE',
    flag: '--vidu-credit-rate',
    type: 'int',
    default: '20',
    min: 1,
    max: 1_000_000,
    doc: "Credits per USD of the price in Vidu's dialect (/ent/v2): a task's `credits` is its price times this, rounded.",
  },
  trustProxy: {
    env: 'INBETWEEN_TRUST_PROXY',
    flag: '--trust-proxy',
    type: 'bool',
    default: 'false',
    doc: 'Take the client address from X-Forwarded-For (behind a reverse proxy only).',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: '--log-level',
    type: 'choice',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    doc: 'Least severe log level written.',
  },
  adminToken: {
    env: 'INBETWEEN_ADMIN_TOKEN',
    type: 'string',
    minLength: 16,
    secret: true,
    derived: 'generated on first start, kept in the data folder',
    doc: 'Bearer token for /admin/v1 and `inbetween keys`.',
  },
} as const satisfies Record<string, SettingSpec>;

/** The name of a setting: `host`, `syncTimeout`, ... */
export type SettingName = keyof typeof SETTINGS;

/** The names in declaration order. */
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

// A wildcard address is where the server listens, not where a client can reach it.
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
