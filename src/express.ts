/**
 * Express 4 and 5 adapter: writes what the core returns, decides nothing of its own.
 *
 * @module esign-errors/express
 */
import { STATUS_CODES } from 'node:http'
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express'
import { REPLACED_HEADERS } from './headers.js'
import { methodNotAllowedError } from './method-not-allowed.js'
import type { ErrorHandlerOptions } from './response.js'
import { createResponder, reasonPhrase } from './response.js'
import { notFoundError } from './sign-error.js'

export type { ErrorHandlerOptions } from './response.js'

/**
 * The error-handling middleware: any thrown value becomes the standard status, headers and JSON body.
 * Mount it after every route.
 *
 * @example
 * app.use(notFound())
 * app.use(errorHandler({ problemBaseUrl: 'https://docs.example.com/errors/' }))
 */
export function errorHandler(options?: ErrorHandlerOptions<Request>): ErrorRequestHandler {
  const responder = createResponder(options)
  // Four parameters: that is how Express tells an error handler from a route.
  return function esignErrorHandler(err: unknown, req: Request, res: Response, next: NextFunction): void {
    // The status the route set before failing (`res.statusCode = 503; next(err)`), as finalhandler reads it.
    const response = responder.respond(err, req, res.statusCode)
    if (res.headersSent) {
      // Too late for a clean answer: Express's final handler closes the connection. The hook still hears of it.
      responder.log(response, err, req, res)
      next(err)
      return
    }
    for (const name of res.getHeaderNames()) if (REPLACED_HEADERS.has(name)) res.removeHeader(name)
    res.statusCode = response.status
    // A reason phrase the route set for its own answer would otherwise stay on the error's status line.
    // Written only then, or for a status Node has no phrase for (it would write `unknown`): a store on
    // Express's response object is one of the costlier lines of this handler in a CPU profile, and Node
    // writes the status's own phrase when none is set.
    if (res.statusMessage !== undefined || STATUS_CODES[response.status] === undefined) {
      res.statusMessage = reasonPhrase(response.status)
    }
    for (const name in response.headers) res.setHeader(name, response.headers[name] as string)
    res.end(response.body)
    responder.log(response, err, req, res)
  }
}

/**
 * Answers every request that reached it with 404 and code 7 (InvalidRequestType), or 405 with the same code
 * and an `Allow` header when a route of the app takes the path under other methods (a route for GET also
 * takes HEAD). Mount it on the app, after the routes, before `errorHandler()`. Routes of routers mounted
 * with `app.use(path, router)` count; those of a mounted sub-app do not (mount `notFound()` in it too).
 * OPTIONS on such a path is left to Express, which answers it with the `Allow` list itself. A response
 * already under way (a route wrote, then called `next()`) is left alone, as Express's own final handler does.
 */
export function notFound(): RequestHandler {
  return function esignNotFound(req: Request, res: Response, next: NextFunction): void {
    if (res.headersSent) return
    const allowed = routeMethods(req)
    // A route for this very method that passed the request on (`next()`) makes it not found, not the wrong method.
    if (allowed.size > 0 && !allowed.has(req.method)) {
      // With no error, Express's router answers OPTIONS itself (200, `Allow`), as without this middleware.
      if (req.method === 'OPTIONS') next()
      else next(methodNotAllowedError(allowed))
      return
    }
    next(notFoundError())
  }
}

/** A layer of Express's router stack (Express 4's `router/layer.js`, Express 5's `router` package), read defensively. */
interface Layer {
  /** Express 5: the match (its `path` the matched prefix) or `false`; Express 4: a boolean, the prefix in `path`. */
  match?: (path: string) => unknown
  path?: unknown
  route?: { methods?: unknown } | undefined
  handle?: { stack?: unknown } | undefined
}

// Routers nest rarely more than a few deep; the bound keeps a router mounted inside itself from looping.
const MAX_DEPTH = 16

/** The methods the app's routes take at the request's path, from the router Express itself dispatches with. */
function routeMethods(req: Request): Set<string> {
  const methods = new Set<string>()
  try {
    const app = req.app as unknown as { _router?: unknown; router?: unknown }
    // Express 4 keeps its router in `_router` (and throws on reading `router`); Express 5 in `router`.
    const router = (app._router ?? app.router) as { stack?: unknown } | undefined
    collect(router?.stack, req.path, methods, 0)
  } catch {
    // An app that is not what Express makes: the plain 404 stands.
  }
  return methods
}

function collect(stack: unknown, path: string, into: Set<string>, depth: number): void {
  if (!Array.isArray(stack) || depth > MAX_DEPTH) return
  for (const layer of stack as Layer[]) {
    if (typeof layer?.match !== 'function') continue
    let matched: unknown
    try {
      // Express 4's match stores its result on the layer; Express reads it right after its own call, within
      // the same tick, so reading the layer here does not disturb a request in flight.
      matched = layer.match(path)
    } catch {
      // A parameter that does not decode: Express answers that request 400 itself.
      continue
    }
    if (!matched) continue
    if (layer.route !== undefined) addRouteMethods(layer.route.methods, into)
    else if (Array.isArray(layer.handle?.stack)) {
      const prefix = typeof matched === 'object' ? (matched as { path?: unknown }).path : layer.path
      if (typeof prefix !== 'string' || !path.startsWith(prefix)) continue
      const rest = path.slice(prefix.length)
      if (rest !== '' && !rest.startsWith('/')) continue
      collect(layer.handle.stack, rest === '' ? '/' : rest, into, depth + 1)
    }
  }
}

// `route.methods` is `{ get: true, post: true }`; `_all` (`app.all()`) names no method of its own, as
// Express's own OPTIONS answer leaves it out.
function addRouteMethods(methods: unknown, into: Set<string>): void {
  if (typeof methods !== 'object' || methods === null) return
  for (const name of Object.keys(methods)) {
    if (name === '_all' || !(methods as Record<string, unknown>)[name]) continue
    const method = name.toUpperCase()
    into.add(method)
    if (method === 'GET') into.add('HEAD')
  }
}

/**
 * Wraps an async route for Express 4, which does not catch rejected promises; Express 5 does not need it.
 *
 * @example
 * app.get('/documents/:id', asyncHandler(async (req, res) => { res.json(success(await load(req.params.id))) }))
 */
export function asyncHandler<Req extends Request = Request, Res extends Response = Response>(
  fn: (req: Req, res: Res, next: NextFunction) => unknown,
): (req: Req, res: Res, next: NextFunction) => void {
  return function esignAsyncHandler(req: Req, res: Res, next: NextFunction): void {
    try {
      // A promise rejected with nothing must still reach the error handler, not the next route.
      Promise.resolve(fn(req, res, next)).catch((error: unknown) =>
        next(error || new Error('Route rejected without a reason')),
      )
    } catch (error) {
      next(error || new Error('Route threw without a reason'))
    }
  }
}
