/** The yardstick for bench/api-load.ts: a bare Fastify route answering a small JSON object. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/ping', () => Promise.resolve({ status: 'ok', id: 'task_0000000000000000000000000', progress: 0 }));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) });
process.stdout.write('listening\n');
