import type { Exchange, Handler } from './exchange.js';
import { MethodNotAllowed, NotFound } from './errors.js';
import { matchSegments, splitPath as split } from './path-pattern.js';

/** What a route declares besides its handler. */
export interface RouteOptions {
  /** Largest request body the handler reads (default 0: none; any body is answered `413`). */
  maxBodyBytes?: number;
}

interface Route {
  methods: readonly string[];
  pattern: string;
  segments: readonly string[];
  handler: Handler;
  maxBodyBytes: number;
}

/** A matched route: the handler, the named parts of the path and the pattern that matched. */
export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
  /** The pattern as registered (`/content/*path`): a bounded label for metrics, unlike the path. */
  pattern: string;
  /** The route's largest request body. */
  maxBodyBytes: number;
}

/**
 * Routes by method and path pattern (path-pattern.ts: literal segments, `:name`, a final
 * `*name`). Literal segments win over parameters by registration order: register specific
 * routes first.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(methods: readonly string[], pattern: string, handler: Handler, opts: RouteOptions = {}): this {
    this.routes.push({ methods, pattern, segments: split(pattern), handler, maxBodyBytes: opts.maxBodyBytes ?? 0 });
    return this;
  }

  /** Finds the handler for an exchange; throws NotFound or MethodNotAllowed (with `Allow`). */
  match(ex: Pick<Exchange, 'method' | 'pathname'>): RouteMatch {
    const path = split(ex.pathname);
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, path);
      if (!params) continue;
      if (route.methods.includes(ex.method)) return { handler: route.handler, params, pattern: route.pattern, maxBodyBytes: route.maxBodyBytes };
      for (const m of route.methods) allowed.add(m);
    }
    if (allowed.size > 0) throw new MethodNotAllowed([...allowed]);
    throw new NotFound();
  }
}
