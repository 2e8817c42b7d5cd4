import { describe, expect, it } from 'vitest';
import { formatRoutes, parseRoutes, RouteError, type RouteContext } from './routes.js';

const CONTEXT: RouteContext = {
  models: ['a', 'b', 'c'],
  backends: ['local', 'vidu', 'gateway'],
  configured: ['local', 'vidu'],
  why: (name) => `${name.toUpperCase()}_API_KEY is not set`,
};

describe('parseRoutes', () => {
  it('routes every model locally when nothing is configured', () => {
    expect(formatRoutes(parseRoutes('', CONTEXT))).toBe('a=local;b=local;c=local');
    expect(formatRoutes(parseRoutes('  ;\n', CONTEXT))).toBe('a=local;b=local;c=local');
  });

  it('reads ordered lists per model, with * for the models not named', () => {
    const routes = parseRoutes('a = vidu, local ; *=vidu', CONTEXT);
    expect(formatRoutes(routes)).toBe('a=vidu,local;b=vidu;c=vidu');
    expect(formatRoutes(parseRoutes('b=vidu\nc=local,vidu', CONTEXT))).toBe('a=local;b=vidu;c=local,vidu');
  });

  it.each([
    ['a', /Expected model=backend/],
    ['=vidu', /Expected model=backend/],
    ['x=local', /Unknown model "x"/],
    ['a=', /a has no backend/],
    ['a=local;a=vidu', /routed twice/],
    ['*=local;*=vidu', /routed twice/],
    ['a=ftp', /Unknown backend "ftp"/],
    ['a=vidu,vidu', /appears twice/],
    ['a=gateway,local', /names gateway, which is not configured: GATEWAY_API_KEY is not set/],
  ])('refuses %j', (text, message) => {
    expect(() => parseRoutes(text, CONTEXT)).toThrow(RouteError);
    expect(() => parseRoutes(text, CONTEXT)).toThrow(message);
  });
});
