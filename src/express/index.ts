/**
 * Express 4 and 5 adapter: writes what the core returns, decides nothing of its own.
 *
 * @module esign-errors/express
 */
import { channel } from 'node:diagnostics_channel'
import { STATUS_CODES } from 'node:http'
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express'
import { methodNotAllowedError, rememberPath } from '../core/routing-errors.js'
import { notFoundError, unseenNotFoundError } from '../core/sign-error.js'
import { keepExposed, REPLACED_HEADERS } from '../http/headers.js'
import { asReceived } from '../respond/cut.js'
import { reasonPhrase } from '../respond/negotiate.js'
import type { ErrorHandlerOptions } from '../respond/options.js'
import { compileResponder } from '../respond/responder.js'

export type { ErrorHandlerOptions } from '../respond/options.js'

/**
 * The error-handling middleware: any thrown value becomes the standard status, headers and JSON body.
 * Mount it after every route.
 *
 * @example
 * app.use(notFound())
 * app.use(errorHandler({ problemBaseUrl: 'https://docs.example.com/errors/' }))
 */
export function errorHandler(options?: ErrorHandlerOptions<Request>): ErrorRequestHandler {
  const responder = compileResponder(options ?? {}, 'console')
  // Four parameters: that is how Express tells an error handler from a route.
  const handler = function esignErrorHandler(
    err: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
  ): void {
    const passing = passOn.get(req)
    if (passing !== undefined && Object.is(passing.error, err)) {
      // This handler threw on the error notFound() handed it: the error goes on from here, as from Express's
      // own call, not to this handler a second time.
      passOn.delete(req)
      next(err)
      return
    }
    // The status the route set before failing (`res.statusCode = 503; next(err)`), as finalhandler reads it.
    const response = responder.answer(err, req, res.statusCode)
    if (res.headersSent) {
      // Too late for a clean answer. The hook still hears of it, with the status the client got when the route
      // had ended its answer. An answer under way goes to Express's final handler, which closes the
      // connection so the client sees it cut; a finished one is left alone, since closing the socket now
      // would cut what is still being flushed.
      responder.log(asReceived(response, res), err, req, res)
      if (!res.writableEnded) next(err)
      return
    }
    for (const name of res.getHeaderNames()) if (REPLACED_HEADERS.has(name)) res.removeHeader(name)
    const exposed = response.headers['access-control-expose-headers']
    const current = exposed === undefined ? undefined : res.getHeader('access-control-expose-headers')
    for (const name in response.headers) res.setHeader(name, response.headers[name] as string)
    if (current !== undefined) res.setHeader('access-control-expose-headers', keepExposed(exposed!, current))
    // The head written here rather than by end(): the same bytes, one store on Express's response object
    // fewer, and end() then has no head to work out.
    // A reason phrase the route set for its own answer would otherwise stay on the error's status line, and
    // Node writes `unknown` for a status it has no phrase for; otherwise Node writes the status's own.
    if (res.statusMessage !== undefined || STATUS_CODES[response.status] === undefined) {
      res.writeHead(response.status, reasonPhrase(response.status))
    } else {
      res.writeHead(response.status)
    }
    res.end(response.body)
    responder.log(response, err, req, res)
  }
  // A handler whose statusOverrides answer a 404 with 5xx hands the error itself to the log: not to be shared.
  if (responder.staysClientError(7)) ours.add(handler)
  return handler
}

// The handlers errorHandler() made that notFound() may hand its error to directly, and the errors one of them
// threw when it did, per request.
const ours = new WeakSet<object>()
const passOn = new WeakMap<object, { error: unknown }>()

/**
 * Answers every request that reached it with 404 and code 7 (InvalidRequestType), or 405 with the same code
 * and an `Allow` header when a route of the app takes the path under other methods (a route for GET also
 * takes HEAD). Mount it on the app, after the routes, before `errorHandler()`. Routes of routers mounted
 * with `app.use(path, router)` count; those of a mounted sub-app do not (mount `notFound()` in it too).
 * OPTIONS on such a path is left to Express, which answers it with the `Allow` list itself. A response
 * already under way (a route wrote, then called `next()`) is left alone, as Express's own final handler does.
 * The routes that take a path are looked for once and remembered (up to 1,000 paths), until a route is added,
 * so a repeated 404 or 405 costs no more than Express's own dispatch, however many routes the app has.
 */
export function notFound(): RequestHandler {
  const cache: HandOff = { learnt: undefined, handler: undefined }
  return function esignNotFound(req: Request, res: Response, next: NextFunction): void {
    if (res.headersSent) return
    const known = learntOf(req)
    const allowed = known === undefined ? NO_METHODS : routeMethods(req, known)
    // A route for this very method that passed the request on (`next()`) makes it not found, not the wrong method.
    const wrongMethod = allowed.size > 0 && !allowed.has(req.method)
    // With no error, Express's router answers OPTIONS itself (200, `Allow`), as without this middleware.
    if (wrongMethod && req.method === 'OPTIONS') {
      next()
      return
    }
    const handler = known === undefined ? undefined : handOff(known, esignNotFound, cache)
    if (handler === undefined) {
      // The app's own error handlers may see the error, and keep or change it: each request has its own.
      next(wrongMethod ? methodNotAllowedError(allowed) : notFoundError())
      return
    }
    // Only errorHandler() sees it, and hands its log a view of it: the 404 is the same error every time.
    const error = wrongMethod ? methodNotAllowedError(allowed) : unseenNotFoundError()
    // What Express's router would do with `next(error)`, less its walk: the same handler, the same request.
    try {
      handler(error, req, res, next)
    } catch (thrown) {
      passOn.set(req, { error: thrown })
      next(thrown)
    }
  }
}

/** What {@link handOff} found for one `notFound()`, for as long as the app's routers are as they were. */
interface HandOff {
  learnt: Learnt | undefined
  handler: ErrorRequestHandler | undefined
}

// Express's router traces each request on this channel (router 2.3 and later). With a subscriber the error
// goes through the router, so that what it publishes is what it published before.
const TRACED = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((event) =>
  channel(`tracing:express.router.request:${event}`),
)

/**
 * The error handler Express would call with `notFound`'s error: one `errorHandler()` made, when it is the
 * next error handler of the app's own stack, both are mounted on the app's root (neither path nor `baseUrl`
 * to restore between them), this `notFound()` is mounted nowhere else, and nothing traces the router. Layers
 * between them are skipped by Express with an error pending (routes and three-parameter middleware) and are
 * skipped here alike. Otherwise `undefined`, and `next(error)` does the walk.
 */
function handOff(known: Learnt, self: RequestHandler, cache: HandOff): ErrorRequestHandler | undefined {
  for (const traced of TRACED) if (traced.hasSubscribers) return undefined
  if (cache.learnt !== known) {
    cache.learnt = known
    cache.handler = nextHandler(known.stacks, self)
  }
  return cache.handler
}

function nextHandler(stacks: readonly unknown[][], self: RequestHandler): ErrorRequestHandler | undefined {
  const stack = stacks[0] as Layer[] | undefined
  if (stack === undefined) return undefined
  let mounted = 0
  for (const each of stacks) for (const layer of each as Layer[]) if (layer?.handle === self) mounted++
  const at = stack.findIndex((layer) => layer?.handle === self)
  // Mounted twice, in a router, or under a path: Express's own walk decides.
  if (mounted !== 1 || at === -1 || !atRoot(stack[at])) return undefined
  for (let index = at + 1; index < stack.length; index++) {
    const layer = stack[index]
    if (layer?.route !== undefined) continue
    const handle = layer?.handle as unknown
    if (typeof handle !== 'function') return undefined
    if (handle.length !== 4) continue
    return ours.has(handle) && atRoot(layer) ? (handle as ErrorRequestHandler) : undefined
  }
  return undefined
}

/** Whether a layer takes every path unchanged: `app.use(fn)` (Express 5's `slash`, Express 4's `fast_slash`). */
function atRoot(layer: Layer | undefined): boolean {
  return layer?.slash === true || layer?.regexp?.fast_slash === true
}

/** A layer of Express's router stack (Express 4's `router/layer.js`, Express 5's `router` package), read defensively. */
interface Layer {
  /** Express 5: the match (its `path` the matched prefix) or `false`; Express 4: a boolean, the prefix in `path`. */
  match?: (path: string) => unknown
  path?: unknown
  route?: { methods?: unknown } | undefined
  handle?: { stack?: unknown } | undefined
  /** Express 5: mounted with `use()` at `/`. */
  slash?: unknown
  /** Express 4: `regexp.fast_slash`, the same. */
  regexp?: { fast_slash?: unknown }
}

// Routers nest rarely more than a few deep; the bound keeps a router mounted inside itself from looping.
const MAX_DEPTH = 16

/** A route of an Express router: `methods` is `{ get: true, post: true }`, and grows when a method is added. */
interface RouteLike {
  methods?: unknown
}

/**
 * What {@link notFound} learnt of one router: every router stack reachable from it (its own and those of the
 * routers mounted in it) with their lengths at the time, and per path the routes whose matchers took it.
 * Express offers no event for a new route; a route added anywhere makes one of these stacks longer, which
 * costs a comparison per stack to notice. A method added to a route already there changes that route's own
 * `methods`, which is read afresh on every answer.
 */
interface Learnt {
  stacks: unknown[][]
  lengths: number[]
  paths: Map<string, RouteLike[]>
}

const learnt = new WeakMap<object, Learnt>()

// What routeMethods() answers for a path no route takes, the common 404: nothing to build per request.
const NO_METHODS: ReadonlySet<string> = new Set()

/** What is known of the router Express dispatches the request with; `undefined` for an app Express did not make. */
function learntOf(req: Request): Learnt | undefined {
  try {
    const app = req.app as unknown as { _router?: unknown; router?: unknown }
    // Express 4 keeps its router in `_router` (and throws on reading `router`); Express 5 in `router`.
    const router = (app._router ?? app.router) as { stack?: unknown } | undefined
    // A router is a function (it is also the middleware that dispatches).
    if (typeof router !== 'function' && (typeof router !== 'object' || router === null)) return undefined
    return current(router)
  } catch {
    return undefined
  }
}

/** The methods the app's routes take at the request's path. */
function routeMethods(req: Request, known: Learnt): ReadonlySet<string> {
  let methods: Set<string> | undefined
  try {
    const path = req.path
    let routes = known.paths.get(path)
    if (routes === undefined) {
      // Every matcher of the app, once for this path: with thousands of routes, the cost of a 404.
      routes = []
      collect(known.stacks[0], path, routes, 0)
      rememberPath(known.paths, path, routes)
    }
    if (routes.length === 0) return NO_METHODS
    methods = new Set()
    for (const route of routes) addRouteMethods(route.methods, methods)
  } catch {
    // An app that is not what Express makes: the plain 404 stands.
  }
  return methods ?? NO_METHODS
}

/** What is known of this router, started afresh when one of its stacks has grown or shrunk since. */
function current(router: { stack?: unknown }): Learnt {
  const known = learnt.get(router)
  if (known !== undefined && !changed(known)) return known
  const fresh: Learnt = { stacks: [], lengths: [], paths: new Map() }
  survey(router.stack, fresh, 0)
  learnt.set(router, fresh)
  return fresh
}

function changed(known: Learnt): boolean {
  const { stacks, lengths } = known
  for (let index = 0; index < stacks.length; index++) {
    if ((stacks[index] as unknown[]).length !== lengths[index]) return true
  }
  return false
}

/** Records every router stack reachable from `stack`, each once, whether or not any path reaches it. */
function survey(stack: unknown, into: Learnt, depth: number): void {
  if (!Array.isArray(stack) || depth > MAX_DEPTH || into.stacks.includes(stack)) return
  into.stacks.push(stack)
  into.lengths.push(stack.length)
  for (const layer of stack as Layer[]) {
    if (layer?.route === undefined && Array.isArray(layer?.handle?.stack)) {
      survey(layer.handle.stack, into, depth + 1)
    }
  }
}

/** The routes, in this stack and the routers mounted in it, whose matchers take `path`. */
function collect(stack: unknown, path: string, into: RouteLike[], depth: number): void {
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
    if (layer.route !== undefined) {
      if (typeof layer.route === 'object' && layer.route !== null) into.push(layer.route)
    } else if (Array.isArray(layer.handle?.stack)) {
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
