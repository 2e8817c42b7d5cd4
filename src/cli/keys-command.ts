import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { createApiKey } from '../http/admin-routes.js';
import { openSqliteStore, type ApiKeyRecord } from '../store/index.js';
import { UsageError } from './usage-error.js';

export const KEYS_USAGE = `inbetween keys create [--name NAME] | list | revoke KEY_ID   [--data-dir DIR]
  API keys of the embedded store, without the HTTP admin API (the server may be running).`;

function describe(key: ApiKeyRecord): string {
  const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
  return `${key.id}  ${key.prefix}…  ${JSON.stringify(key.name)}  created ${key.createdAt.toISOString()}  ${state}`;
}

/** `inbetween keys`: create (the secret is printed once), list, revoke. */
export async function keysCommand(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  const nameAt = rest.indexOf('--name');
  const name = nameAt >= 0 ? rest[nameAt + 1] : undefined;
  if (nameAt >= 0 && (name === undefined || name.startsWith('--'))) {
    throw new UsageError('Expected a value for --name but received none');
  }
  const settings = nameAt >= 0 ? [...rest.slice(0, nameAt), ...rest.slice(nameAt + 2)] : rest;
  const positional = settings.filter((arg, i) => !arg.startsWith('--') && !settings[i - 1]?.startsWith('--'));
  const config = loadConfig({ env: process.env, argv: settings.filter((arg) => !positional.includes(arg)) });
  await mkdir(config.dataDir, { recursive: true });
  const store = await openSqliteStore({ path: join(config.dataDir, 'inbetween.db') });
  try {
    switch (action) {
      case 'create': {
        const { record, secret } = await createApiKey(store, name ?? 'cli');
        process.stdout.write(`${describe(record)}\nsecret (shown once): ${secret}\n`);
        return;
      }
      case 'list':
        for (const key of await store.listKeys()) process.stdout.write(describe(key) + '\n');
        return;
      case 'revoke': {
        const id = positional[0];
        if (!id) throw new UsageError('Expected a key id for revoke but received none');
        const revoked = await store.revokeKey(id, new Date());
        if (!revoked)
          throw new UsageError(`Expected an existing key id for revoke but received ${JSON.stringify(id)}`);
        process.stdout.write(describe(revoked) + '\n');
        return;
      }
      default:
        throw new UsageError(
          `Expected create, list or revoke after keys but received ${JSON.stringify(action ?? '')}`,
        );
    }
  } finally {
    await store.close();
  }
}
