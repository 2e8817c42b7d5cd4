import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { formatUsd, usdToMicros } from '../contract/index.js';
import { createApiKey } from '../http/admin-routes.js';
import { openSqliteStore, type ApiKeyRecord } from '../store/index.js';
import { UsageError } from './usage-error.js';

export const KEYS_USAGE = `inbetween keys create [--name NAME] [--balance USD] | list | revoke KEY_ID   [--data-dir DIR]
  API keys of the embedded store, without the HTTP admin API (the server may be running). Without --balance a
  key is unlimited.`;

function describe(key: ApiKeyRecord): string {
  const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
  const balance = key.balanceMicros === null ? 'unlimited' : `balance ${formatUsd(key.balanceMicros)} USD`;
  return `${key.id}  ${key.prefix}…  ${JSON.stringify(key.name)}  created ${key.createdAt.toISOString()}  ${balance}  ${state}`;
}

/** Removes `--flag VALUE` from `args` and answers the value (undefined when the flag is absent). */
function takeOption(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) {
    throw new UsageError(`Expected a value for ${flag} but received none`);
  }
  args.splice(at, 2);
  return value;
}

function parseBalance(text: string | undefined): number | null {
  if (text === undefined) return null;
  try {
    return usdToMicros(text);
  } catch (error) {
    throw new UsageError(`--balance: ${(error as Error).message}`);
  }
}

/** `inbetween keys`: create (the secret is printed once), list, revoke. */
export async function keysCommand(argv: string[]): Promise<void> {
  const [action, ...settings] = argv;
  const name = takeOption(settings, '--name');
  const balanceMicros = parseBalance(takeOption(settings, '--balance'));
  const positional = settings.filter((arg, i) => !arg.startsWith('--') && !settings[i - 1]?.startsWith('--'));
  const config = loadConfig({ env: process.env, argv: settings.filter((arg) => !positional.includes(arg)) });
  await mkdir(config.dataDir, { recursive: true });
  const store = await openSqliteStore({ path: join(config.dataDir, 'inbetween.db') });
  try {
    switch (action) {
      case 'create': {
        const { record, secret } = await createApiKey(store, name ?? 'cli', balanceMicros);
        process.stdout.write(
          `${describe(record)}\nsecret (shown once): ${secret}\nwebhook secret: ${record.webhookSecret}\n`,
        );
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
