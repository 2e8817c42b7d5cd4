import type { FastifyRequest } from 'fastify';

// Query members that make a URL a credential: a signed download link works for anyone who reads it in a log.
const SECRET_QUERY = /([?&](?:signature|expires)=)[^&#]*/gi;

/** `url` with the values of its signature and expiry replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

/**
 * How a request appears in the request log: Fastify's default fields, with signed file URLs redacted. A logger
 * built elsewhere for the app must use it as its `req` serializer.
 */
export function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
