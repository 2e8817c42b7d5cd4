#!/usr/bin/env node
import { ConfigError } from '../config/index.js';
import { InputImageError } from '../engine/input/index.js';
import { UsageError } from './usage-error.js';
import { INTERPOLATE_USAGE, KEYS_USAGE, MIGRATE_USAGE, RENDER_USAGE, WORKER_USAGE } from './usages.js';

const USAGE = `inbetween: keyframes to video

inbetween serve [options]   the API service (see inbetween serve --help)

${WORKER_USAGE}

${KEYS_USAGE}

${MIGRATE_USAGE}

${RENDER_USAGE}

${INTERPOLATE_USAGE}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const controller = new AbortController();
  // Ctrl-C cancels the render cleanly: ffmpeg is killed and the partial file removed.
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  process.once('SIGTERM', () => controller.abort(new Error('terminated')));
  try {
    // Each command is loaded when it runs: a render does not wait for the server's modules.
    switch (command) {
      case 'serve':
        await (await import('./serve-command.js')).serveCommand(rest, controller.signal);
        return 0;
      case 'worker':
        await (await import('./worker-command.js')).workerCommand(rest, controller.signal);
        return 0;
      case 'keys':
        await (await import('./keys-command.js')).keysCommand(rest);
        return 0;
      case 'migrate':
        await (await import('./migrate-command.js')).migrateCommand(rest);
        return 0;
      case 'render':
        await (await import('./render-command.js')).renderCommand(rest, controller.signal);
        return 0;
      case 'interpolate':
        await (await import('./interpolate-command.js')).interpolateCommand(rest);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(
          `Expected a command (serve, worker, keys, migrate, render, interpolate) but received ${JSON.stringify(command)}`,
        );
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`inbetween: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`inbetween: ${error.message}\n`);
      return 2;
    }
    if (error instanceof InputImageError) {
      process.stderr.write(`inbetween: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(
      `inbetween: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    if (error && typeof error === 'object' && 'log' in error && typeof error.log === 'string') {
      process.stderr.write(`--- ffmpeg log ---\n${error.log}\n`);
    }
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
