/**
 * Koa 2 and 3 adapter: writes what the core returns, decides nothing of its own.
 *
 * @module esign-errors/koa
 */
import type { Context, Middleware, Next } from 'koa'
import { REPLACED_HEADERS } from './headers.js'
import type { ErrorHandlerOptions } from './response.js'
import { createResponder } from './response.js'
import { notFoundError } from './sign-error.js'

export type { ErrorHandlerOptions } from './response.js'

/**
 * The error-handling middleware: any value thrown downstream becomes the standard status, headers and
 * JSON body. Mount it first. Errors >= 500 are also emitted as `app.emit('error', err, ctx)`, so Koa's
 * own logging keeps working, unless `log: false`. With a `log` of your own, the event is emitted only when
 * the app has an 'error' listener of its own (`app.on('error')`, or an `app.onerror`), so Koa's default
 * printer does not log each 5xx a second time.
 *
 * @example
 * app.use(errorHandler())
 * app.use(notFound())
 * app.use(router.routes())
 */
export function errorHandler(options?: ErrorHandlerOptions<Context>): Middleware {
  // By default Koa's own 'error' event does the logging. With a `log` of the user's own, Koa's default
  // listener would print every 5xx a second time: the event is then not emitted while that listener is
  // the app's only one.
  const responder = createResponder(options, 'none')
  const emit = options?.log !== false
  const ownLog = options?.log !== undefined && options.log !== false
  return async function esignErrorHandler(ctx: Context, next: Next): Promise<void> {
    try {
      await next()
    } catch (err) {
      if (ctx.headerSent || !ctx.writable) {
        // Nothing can be written any more. End the connection so the client sees a cut answer instead
        // of waiting for the rest (Express does the same); Koa's ctx.onerror then only reports it.
        ctx.res.destroy()
        responder.log(responder.respond(err, ctx), err)
        throw err
      }
      const response = responder.respond(err, ctx)
      for (const name of ctx.res.getHeaderNames()) if (REPLACED_HEADERS.has(name)) ctx.remove(name)
      ctx.status = response.status
      // Straight onto the Node response (Koa reads its headers from there). Content-Length is left to Koa,
      // which sets it from the string body anyway: writing it twice cost about 4 % of req/s in the benchmark.
      const headers = response.headers
      const res = ctx.res
      for (const name in headers) if (name !== 'content-length') res.setHeader(name, headers[name]!)
      ctx.body = response.body
      responder.log(response, err)
      if (emit && response.status >= 500) report(ctx, err, ownLog)
    }
  }
}

// Koa's default listener throws on anything that is not an Error, and a user's listener may throw too:
// neither may undo a response already built.
function report(ctx: Context, err: unknown, ownLog: boolean): void {
  try {
    const app = ctx.app
    if (ownLog) {
      // When the app has no 'error' listener of its own, Koa registers its default `onerror` method, which
      // prints. An `onerror` assigned on the app or overridden in a subclass is the user's: only the one
      // furthest down the prototype chain is Koa's.
      const printer = koaOnerror(app)
      if (app.listeners('error').every((listener) => listener === printer)) return
    }
    app.emit('error', err instanceof Error ? err : new Error('Non-error thrown', { cause: err }), ctx)
  } catch {
    // The response stands.
  }
}

function koaOnerror(app: object): unknown {
  let found: unknown
  for (let proto = Object.getPrototypeOf(app); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (Object.hasOwn(proto, 'onerror')) found = proto.onerror
  }
  return found
}

/**
 * Answers 404 with code 7 (InvalidRequestType) when nothing downstream produced a response. Mount it right
 * after `errorHandler()`: it looks at the outcome once the routes have run, so @koa/router's
 * `allowedMethods()` still answers 405 and 501. Mounted after the routes it works too, but then before
 * `allowedMethods()` has had its say.
 */
export function notFound(): Middleware {
  return async function esignNotFound(ctx: Context, next: Next): Promise<void> {
    await next()
    if (ctx.status === 404 && ctx.body == null && !ctx.headerSent) {
      throw notFoundError()
    }
  }
}
