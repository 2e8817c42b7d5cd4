/** Per model id, the backends to try in order. */
export type Routes = ReadonlyMap<string, readonly string[]>;

/** What {@link parseRoutes} checks a route against. */
export interface RouteContext {
  /** The model ids this deployment serves; each gets `local` unless the setting says otherwise. */
  readonly models: readonly string[];
  /** Every backend name there is (`local`, `vidu`, `gateway`). */
  readonly backends: readonly string[];
  /** The backends that can run here; a route naming another is refused with `why(name)`. */
  readonly configured: readonly string[];
  /** Why a known backend is not configured: "VIDU_API_KEY is not set". */
  readonly why: (backend: string) => string;
}

/** A route setting that cannot be honoured. */
export class RouteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouteError';
  }
}

/**
 * Parses INBETWEEN_ROUTES: `model=backend,backend;model=backend`, where `*` stands for every model not named
 * on its own. Models not mentioned render locally, so a deployment that configures nothing behaves as before.
 * Refuses an unknown model or backend, a repeated model or backend, an empty list, and a backend that is not
 * configured (a provider without its key), naming what is missing.
 */
export function parseRoutes(text: string, context: RouteContext): Routes {
  const explicit = new Map<string, string[]>();
  let fallback: string[] | null = null;
  for (const entry of text.split(/[;\n]/).map((part) => part.trim())) {
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0)
      throw new RouteError(`Expected model=backend[,backend...] but received ${JSON.stringify(entry)}`);
    const model = entry.slice(0, eq).trim();
    const backends = entry
      .slice(eq + 1)
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    if (model !== '*' && !context.models.includes(model)) {
      throw new RouteError(
        `Unknown model ${JSON.stringify(model)}; expected one of ${context.models.join(', ')} or *`,
      );
    }
    if ((model === '*' && fallback) || explicit.has(model)) {
      throw new RouteError(`Model ${model} is routed twice`);
    }
    if (backends.length === 0) throw new RouteError(`Model ${model} has no backend`);
    checkBackends(model, backends, context);
    if (model === '*') fallback = backends;
    else explicit.set(model, backends);
  }
  return new Map(context.models.map((model) => [model, explicit.get(model) ?? fallback ?? ['local']]));
}

function checkBackends(model: string, backends: readonly string[], context: RouteContext): void {
  const seen = new Set<string>();
  for (const name of backends) {
    if (!context.backends.includes(name)) {
      throw new RouteError(
        `Unknown backend ${JSON.stringify(name)} in the route of ${model}; expected ${context.backends.join(', ')}`,
      );
    }
    if (seen.has(name)) throw new RouteError(`Backend ${name} appears twice in the route of ${model}`);
    seen.add(name);
    if (!context.configured.includes(name)) {
      throw new RouteError(
        `The route of ${model} names ${name}, which is not configured: ${context.why(name)}`,
      );
    }
  }
}

/** The routes as the setting would spell them, for logs: `a=vidu,local;b=local`. */
export function formatRoutes(routes: Routes): string {
  return [...routes].map(([model, backends]) => `${model}=${backends.join(',')}`).join(';');
}
