import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AccountService, type KeyWithAccount, type MoneyCallDone } from '../accounts/account-service.js';
import { loadConfig } from '../config/index.js';
import { ApiError, formatUsd, usdToMicros, type Micros } from '../contract/index.js';
import { openSqliteStore } from '../store/index.js';
import { UsageError } from './usage-error.js';

function describe({ record: key, account }: KeyWithAccount): string {
  const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
  const balance = key.balanceMicros === null ? 'unlimited' : `balance ${formatUsd(key.balanceMicros)} USD`;
  const held = account && account.heldMicros > 0 ? `  held ${formatUsd(account.heldMicros)} USD` : '';
  return `${key.id}  ${key.prefix}…  ${JSON.stringify(key.name)}  created ${key.createdAt.toISOString()}  ${balance}${held}  ${state}`;
}

function describeMove(done: MoneyCallDone): string {
  const { entry } = done;
  const reason = entry.reason === null ? '' : `  ${JSON.stringify(entry.reason)}`;
  const replay = done.replayed ? '  (already made under this idempotency key; nothing new written)' : '';
  return `ledger entry ${entry.id}: ${entry.kind} ${formatUsd(entry.amountMicros)} USD${reason}${replay}`;
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

function parseUsd(text: string | undefined, flag: string): Micros | null {
  if (text === undefined) return null;
  try {
    return usdToMicros(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

function required<T>(value: T | null | undefined, what: string, action: string): T {
  if (value === null || value === undefined)
    throw new UsageError(`Expected ${what} for ${action} but received none`);
  return value;
}

/** `inbetween keys`: create (the secret is printed once), list, revoke, top up, adjust a balance. */
export async function keysCommand(argv: string[]): Promise<void> {
  const [action, ...settings] = argv;
  const name = takeOption(settings, '--name');
  const balanceMicros = parseUsd(takeOption(settings, '--balance'), '--balance');
  const amount = parseUsd(takeOption(settings, '--amount'), '--amount');
  const credit = parseUsd(takeOption(settings, '--credit'), '--credit');
  const debit = parseUsd(takeOption(settings, '--debit'), '--debit');
  const reason = takeOption(settings, '--reason');
  const idempotencyKey = takeOption(settings, '--idempotency-key');
  const positional = settings.filter((arg, i) => !arg.startsWith('--') && !settings[i - 1]?.startsWith('--'));
  const config = loadConfig({ env: process.env, argv: settings.filter((arg) => !positional.includes(arg)) });
  await mkdir(config.dataDir, { recursive: true });
  const store = await openSqliteStore({ path: join(config.dataDir, 'inbetween.db') });
  const accounts = new AccountService({ store });
  const out = (line: string) => process.stdout.write(line + '\n');
  try {
    switch (action) {
      case 'create': {
        const made = await accounts.createKey(name ?? 'cli', balanceMicros);
        out(
          `${describe(made)}\nsecret (shown once): ${made.secret}\nwebhook secret: ${made.record.webhookSecret}`,
        );
        return;
      }
      case 'list':
        for (const key of await accounts.listKeys()) out(describe(key));
        return;
      case 'revoke':
        out(describe(await accounts.revokeKey(required(positional[0], 'a key id', action))));
        return;
      case 'top-up': {
        const id = required(positional[0], 'a key id', action);
        const done = await accounts.topUp(id, required(amount, '--amount', action), idempotencyKey);
        out(`${describe({ record: done.key, account: done.account })}\n${describeMove(done)}`);
        return;
      }
      case 'adjust': {
        const id = required(positional[0], 'a key id', action);
        if ((credit === null) === (debit === null))
          throw new UsageError(
            'Expected one of --credit USD or --debit USD for adjust but received none or both',
          );
        const adjustment = {
          kind: credit !== null ? 'credit' : 'debit',
          amountMicros: credit ?? debit ?? 0,
          reason: required(reason, '--reason', action),
        };
        const done = await accounts.adjust(id, adjustment, idempotencyKey);
        out(`${describe({ record: done.key, account: done.account })}\n${describeMove(done)}`);
        return;
      }
      default:
        throw new UsageError(
          `Expected create, list, revoke, top-up or adjust after keys but received ${JSON.stringify(action ?? '')}`,
        );
    }
  } catch (error) {
    // The service's refusals (unknown key, unlimited key, a debit past the balance, a reused idempotency key)
    // are the user's to fix: said plainly, exit code 2, as for any bad argument.
    if (error instanceof ApiError) throw new UsageError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}
