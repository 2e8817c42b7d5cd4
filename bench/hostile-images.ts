/**
 * Time and memory to answer each hostile image at create (decompression bombs, cut-short and corrupt files, EXIF
 * orientation cases), in process through the HTTP app; beside it, a full decode of a 20 MP image, which is what a
 * bomb would cost if it were decoded. RSS is sampled before and after all cases.
 * Usage: npx tsx bench/hostile-images.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createApiKey } from '../src/accounts/account-service.js';
import { assembleEmbeddedServer } from '../src/server/embedded-server.js';
import { openLocalFolderStorage } from '../src/storage/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { hostileImages } from '../test/helpers/hostile-images.js';
import { machineLine } from './eval-io.js';

const dir = await mkdtemp(join(tmpdir(), 'inbetween-hostile-bench-'));
const store = await openSqliteStore({ path: ':memory:' });
const storage = await openLocalFolderStorage({ root: join(dir, 'files') });
const server = assembleEmbeddedServer({
  store,
  storage,
  publicUrl: 'http://127.0.0.1:1',
  adminToken: 'bench-admin-token-0123456789',
  fileSecret: 'bench-file-secret-0123456789abcdef',
  renderThreads: 1,
  worker: { concurrency: 0 },
  http: { rateLimit: 100_000, addressRateLimit: 100_000 },
  service: { maxActiveTasks: 100_000 },
});
const key = (await createApiKey(store, 'bench')).secret;
const uri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;
try {
  const cases = await hostileImages();
  const rssBefore = process.memoryUsage().rss;
  const rows: string[] = [];
  let slowest = 0;
  for (const image of cases) {
    const images = image.pairedWith ? [uri(image.pairedWith), uri(image.bytes)] : [uri(image.bytes)];
    const started = performance.now();
    const response = await server.app.inject({
      method: 'POST',
      url: '/model/v1/generation',
      headers: { authorization: `Bearer ${key}` },
      payload: { model: 'viduq2_pro_start_end2video', images },
    });
    const ms = performance.now() - started;
    slowest = Math.max(slowest, ms);
    const code =
      response.statusCode === 200 ? 'accepted' : response.json<{ error: { code: string } }>().error.code;
    rows.push(`| ${image.name} | ${image.bytes.length} | ${code} | ${ms.toFixed(1)} |`);
  }
  const rssAfter = process.memoryUsage().rss;
  // The yardstick: decoding 20 MP for real (a 20000x20000 bomb would be 20 times that).
  const big = await sharp({ create: { width: 5000, height: 4000, channels: 3, background: '#444' } })
    .png({ compressionLevel: 1 })
    .toBuffer();
  const decodeStart = performance.now();
  await sharp(big).raw().toBuffer();
  const decodeMs = performance.now() - decodeStart;
  console.log(`Hostile images at create, in process (app.inject), ${machineLine()}\n`);
  console.log('| image | bytes | answer | ms |');
  console.log('|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(
    `\nslowest answer ${slowest.toFixed(1)} ms; RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(rssAfter / 2 ** 20).toFixed(0)} MiB over all cases` +
      ` (a 20000x20000 RGB decode alone would need ${((20000 * 20000 * 3) / 2 ** 20).toFixed(0)} MiB);` +
      ` yardstick: a real 20 MP decode took ${decodeMs.toFixed(0)} ms`,
  );
} finally {
  await server.close();
  await storage.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
