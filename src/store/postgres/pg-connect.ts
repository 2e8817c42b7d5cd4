import pg from 'pg';
import { quoteIdentifier } from './pg-migrate.js';
import { EXACT_TYPES } from './pg-types.js';

/** How to reach PostgreSQL. */
export interface PgConnectOptions {
  /** Schema for the store's tables; default the connection's (`public`). */
  schema?: string;
  /** Connections in the pool; default 10. */
  maxConnections?: number;
  /** How long to wait for a connection before failing; default 10000. */
  connectTimeoutMs?: number;
  /**
   * Told when an idle pooled connection breaks (the server restarted, a network cut); the pool drops it and the
   * next query opens a new one. Default: ignored.
   */
  onIdleError?: (error: Error) => void;
}

/** Thrown when the database URL is not a PostgreSQL URL or the server cannot be reached with it. */
export class PostgresConnectError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PostgresConnectError';
  }
}

/** The URL checked: a postgres:// or postgresql:// URL. Answers where it points, without the password. */
export function describePostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PostgresConnectError(
      `Expected a postgres:// or postgresql:// URL but received a string that is not a URL`,
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PostgresConnectError(
      `Expected a postgres:// or postgresql:// URL but received one starting with ${parsed.protocol}//`,
    );
  }
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  return `${user}${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
}

/**
 * A pool on `url` whose BIGINTs read as exact numbers, checked by one round trip: an unreachable server, a wrong
 * password or a missing database fails here, naming the target (never the password), not at the first request.
 */
export async function connectPool(url: string, options: PgConnectOptions = {}): Promise<pg.Pool> {
  const target = describePostgresUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    types: EXACT_TYPES,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'inbetween',
    ...(options.schema !== undefined ? { options: `-c search_path=${quoteIdentifier(options.schema)}` } : {}),
  });
  // An idle connection the server drops is taken out of the pool, and the next query opens a new one; without
  // a listener the pool's 'error' event would end the process.
  pool.on('error', options.onIdleError ?? (() => {}));
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    const reason = error instanceof Error ? error.message || error.name : String(error);
    throw new PostgresConnectError(`Cannot reach PostgreSQL at ${target}: ${reason}`, { cause: error });
  }
  return pool;
}
