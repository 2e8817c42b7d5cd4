import type { FastifyReply } from 'fastify';

/**
 * Aborts when the client's connection closes before the response is complete. It listens on the response, not
 * the request: a request's `close` fires once its body has been read, so a listener added in a handler (after
 * the body) would never hear the client hang up.
 */
export function hangUpSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  if (response.socket === null || response.socket.destroyed) {
    controller.abort(new Error('the client hung up'));
    return controller.signal;
  }
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new Error('the client hung up'));
  });
  return controller.signal;
}
