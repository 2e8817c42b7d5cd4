import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiError } from '../contract/index.js';

/** One create request's claim on an intake place, from before its body is read until its images are in. */
interface Claim {
  /** True while the handler runs the intake: the place is then freed by the handler, not by the socket. */
  inHandler: boolean;
  release: () => void;
}

/**
 * Bounds how many create requests are taken in at once. Each one may hold its 20 MB body, two 50 MB images and
 * a watermark in memory while it is checked, so without a bound a burst of creates is a burst of gigabytes. A
 * place is claimed before the body is read (beyond the bound: 503 `server_busy` with Retry-After, nothing
 * buffered) and freed when the handler has answered, even if the client left meanwhile (its images were still
 * being fetched until then), or when the connection closes before the handler started.
 */
export class IntakeGate {
  readonly #limit: number;
  #active = 0;
  readonly #claims = new WeakMap<FastifyRequest, Claim>();

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Expected a positive integer for the intake limit but received ${limit}`);
    }
    this.#limit = limit;
  }

  /** Requests being taken in now. */
  get active(): number {
    return this.#active;
  }

  /**
   * Claims a place for `request`, or throws 503 `server_busy`. The place is freed by {@link release}, or when the
   * response closes before the handler started (the body never arrived, or was refused).
   */
  claim(request: FastifyRequest, reply: FastifyReply): void {
    if (this.#active >= this.#limit) {
      throw apiError('server_busy', {
        values: {
          reason: `${this.#active} create requests are being taken in (at most ${this.#limit})`,
          retry_after: 1,
        },
      });
    }
    this.#active++;
    let released = false;
    const claim: Claim = {
      inHandler: false,
      release: () => {
        if (released) return;
        released = true;
        this.#active--;
        this.#claims.delete(request);
      },
    };
    this.#claims.set(request, claim);
    reply.raw.once('close', () => {
      if (!claim.inHandler) claim.release();
    });
  }

  /** The handler of `request` has started: from now on its place is freed by {@link release}, not the socket. */
  enterHandler(request: FastifyRequest): void {
    const claim = this.#claims.get(request);
    if (claim) claim.inHandler = true;
  }

  /** Frees the place of `request` (no-op without one, or when already freed). */
  release(request: FastifyRequest): void {
    this.#claims.get(request)?.release();
  }

  /**
   * Wires the gate into `app`: a route with `config: { intake: true }` claims a place in the API guard; the place
   * is held while its handler runs and freed when the handler's answer (or error) is sent. A handler that goes on
   * after its intake (the sync create's wait) calls {@link release} itself.
   */
  register(app: FastifyInstance): void {
    app.addHook('preHandler', (request, _reply, done) => {
      this.enterHandler(request);
      done();
    });
    app.addHook('onSend', (request, _reply, payload, done) => {
      this.release(request);
      done(null, payload);
    });
  }
}
