import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError, errorResponseBody } from '../contract/index.js';
import { BlobNotFoundError, verifyFileUrl } from '../storage/index.js';
import type { AppOptions } from './app.js';

/**
 * GET /files/<key>?expires=..&signature=..: outputs behind signed, expiring URLs, with single-range requests
 * (players seek by asking for byte ranges). A bad or expired signature and a missing file all answer 404, so a
 * URL reveals nothing beyond what it was signed for.
 */
export function registerFileRoutes(app: FastifyInstance, options: AppOptions): void {
  app.get<{ Params: { '*': string }; Querystring: { expires?: string; signature?: string } }>(
    '/files/*',
    async (request, reply) => {
      const key = request.params['*'];
      const verdict = verifyFileUrl({
        key,
        expires: request.query.expires ?? '',
        signature: request.query.signature ?? '',
        secret: options.fileSecret,
        now: new Date(),
      });
      if (verdict !== 'ok')
        return notFound(request, reply, verdict === 'expired' ? 'link expired' : 'no such file');
      try {
        const head = await options.storage.stat(key);
        if (!head) return notFound(request, reply, 'no such file');
        const range = parseRange(request.headers.range, head.size);
        if (range === 'unsatisfiable') {
          return reply.status(416).header('content-range', `bytes */${head.size}`).send();
        }
        const file = await options.storage.open(key, range ?? undefined);
        void reply.header('accept-ranges', 'bytes').header('content-type', file.contentType);
        if (range) {
          const end = range.end ?? head.size - 1;
          void reply
            .status(206)
            .header('content-range', `bytes ${range.start}-${end}/${head.size}`)
            .header('content-length', String(end - range.start + 1));
        } else {
          void reply.header('content-length', String(head.size));
        }
        return reply.send(file.stream);
      } catch (error) {
        if (error instanceof BlobNotFoundError) return notFound(request, reply, 'no such file');
        throw error;
      }
    },
  );
}

function notFound(request: FastifyRequest, reply: FastifyReply, reason: string): FastifyReply {
  const error = apiError('file_not_found', { values: { reason } });
  return reply.status(404).send(errorResponseBody(error, request.id));
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; multi-range requests are served whole (RFC 9110 allows it). */
function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end?: number } | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Math.min(Number(match[2]), size);
    return suffix === 0 ? 'unsatisfiable' : { start: size - suffix, end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
