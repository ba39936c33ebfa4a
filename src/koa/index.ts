/**
 * Koa 2 and 3 adapter: writes what the core returns, decides nothing of its own.
 *
 * @module esign-errors/koa
 */
import { finished, PassThrough, type Readable } from 'node:stream'
import { format, inspect } from 'node:util'
import type Koa from 'koa'
import type { Context, Middleware, Next } from 'koa'
import statuses from 'statuses'
import { validStatus } from '../core/fallback.js'
import { isError, settled } from '../core/foreign.js'
import { keepExposed, REPLACED_HEADERS } from '../http/headers.js'
import type { ErrorResponse } from '../respond/body.js'
import { asReceived, cutResponse } from '../respond/cut.js'
import { logsThroughRequest } from '../respond/log.js'
import { reasonPhrase } from '../respond/negotiate.js'
import type { ErrorHandlerOptions } from '../respond/options.js'
import { compileResponder } from '../respond/responder.js'
import { answers } from './routing.js'
import { tooLate } from './too-late.js'

export type { ErrorHandlerOptions } from '../respond/options.js'
export { allowedMethods, notFound } from './routing.js'

/**
 * The error-handling middleware: any value thrown downstream becomes the standard status, headers and
 * JSON body. Mount it first. Errors >= 500 are also emitted as `app.emit('error', err, ctx)`, so Koa's
 * own logging keeps working, unless `log: false`. With a `log` of your own, the event is emitted only when
 * the app has an 'error' listener of its own (`app.on('error')`, or an `app.onerror`), so Koa's default
 * printer does not log each 5xx a second time. An error emitted once the answer had started carries
 * `headerSent = true`, as Koa's own `ctx.onerror` marks it.
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
  const responder = compileResponder(options ?? {}, 'none')
  const reporting = reportingOf(options)
  function answer(ctx: Context, err: unknown): void {
    if (tooLate(ctx)) {
      // handleStreamErrors() installed its ctx.onerror: Koa hands it the rethrown error, and it cuts,
      // logs and reports; doing it here too would log the error twice.
      if (streamHandlers.has(ctx.onerror)) throw err
      // Otherwise cut, log and report here, as for any other answer, and end: rethrown, the error would
      // reach Koa's ctx.onerror, whose 'error' event Koa's printer prints whatever `log` says.
      const response = responder.answer(err, ctx)
      const received = asReceived(response, ctx.res)
      cutResponse(ctx.res)
      responder.log(received, err, ctx, ctx.res)
      if (reporting.emit && response.status >= 500)
        report(ctx, err, response.status, ownLog(reporting, ctx), true)
      return
    }
    const response = responder.answer(err, ctx, routeStatus(ctx))
    if (ctx.respond === false || !ctx.writable) {
      // The route took the response over, or a HEAD over HTTP/2 reads as not writable (see tooLate), so Koa
      // will write nothing (Koa 2 not even the head): the answer goes out here.
      writeThrough(ctx, response)
    } else {
      for (const name of ctx.res.getHeaderNames()) if (REPLACED_HEADERS.has(name)) ctx.remove(name)
      ctx.status = response.status
      // Koa's setter writes `statuses`' phrase, none for a status it does not list (Node then writes `unknown`).
      if (ctx.req.httpVersionMajor < 2 && !ctx.res.statusMessage)
        ctx.res.statusMessage = reasonPhrase(response.status)
      // Straight onto the Node response (Koa reads its headers from there). Content-Length is left to
      // Koa, which sets it from the string body anyway: writing it twice cost about 4 % of req/s in the
      // benchmark.
      const headers = response.headers
      const res = ctx.res
      const exposed = headers['access-control-expose-headers']
      const current = exposed === undefined ? undefined : res.getHeader('access-control-expose-headers')
      for (const name in headers) if (name !== 'content-length') res.setHeader(name, headers[name]!)
      if (current !== undefined)
        res.setHeader('access-control-expose-headers', keepExposed(exposed!, current))
      ctx.body = response.body
    }
    responder.log(response, err, ctx, ctx.res)
    if (reporting.emit && response.status >= 500)
      report(ctx, err, response.status, ownLog(reporting, ctx), false)
  }

  const handler = function esignErrorHandler(ctx: Context, next: Next): Promise<void> {
    // A promise chain, not an async function: the success path, which most requests take, then costs no
    // promise of its own and no extra turn of the microtask queue.
    let pending: Promise<unknown>
    try {
      pending = next()
    } catch (err) {
      pending = Promise.reject(err)
    }
    const failed = (err: unknown) => answer(ctx, err)
    // handleStreamErrors() sets ctx.onerror on the app's context, before any request.
    if (!streamHandlers.has(ctx.onerror)) return pending.then(undefined, failed)
    return pending.then(() => guardStream(ctx), failed)
  }
  // A handler whose statusOverrides answer a 404 with 5xx hands the error itself to the log: not to be shared.
  if (responder.staysClientError(7)) answers.set(handler, answer)
  return handler
}

/**
 * Routes the errors Koa hands to `ctx.onerror` through the same responder as {@link errorHandler}: above
 * all those of a streamed `ctx.body`, which no middleware sees, and of middleware mounted before the handler.
 * It replaces `app.context.onerror`, as koa-onerror does. An error before the first byte is answered with
 * the standard status, headers and body; once the answer has started, the response is ended (never left
 * hanging) and the error logged and reported. Pass the options given to `errorHandler()`.
 *
 * @example
 * const app = new Koa()
 * handleStreamErrors(app)
 * app.use(errorHandler())
 * app.use(async (ctx) => {
 *   ctx.body = createReadStream(file) // a read error becomes 500 code 4, not Koa's text/plain
 * })
 */
export function handleStreamErrors(app: Koa, options?: ErrorHandlerOptions<Context>): void {
  const responder = compileResponder(options ?? {}, 'none')
  const reporting = reportingOf(options)
  const onerror = function esignOnerror(this: Context, err: unknown): void {
    // Koa calls it with null when a response finishes without error.
    if (err === null || err === undefined) return
    // Koa 2 calls it from a listener of its own on the stream besides ours, and a cut answer ends its
    // pipeline with a premature close: one answer, and one report, per request.
    if (answered.has(this)) return
    answered.add(this)
    try {
      let response: ErrorResponse
      let logged: ErrorResponse
      // As Koa's own ctx.onerror decides it, and marks the error it emits with it.
      const headerSent = tooLate(this)
      if (headerSent) {
        response = responder.answer(err, this)
        // A body stream that fails after it ended: the client has the whole answer.
        logged = asReceived(response, this.res)
        cutResponse(this.res)
      } else {
        response = responder.answer(err, this, routeStatus(this))
        logged = response
        writeThrough(this, response)
      }
      responder.log(logged, err, this, this.res)
      if (reporting.emit && response.status >= 500)
        report(this, err, response.status, ownLog(reporting, this), headerSent)
    } catch {
      // Koa calls this from stream callbacks, where a throw would end the process.
    }
  }
  streamHandlers.add(onerror)
  app.context.onerror = onerror
}

// The ctx.onerror functions handleStreamErrors() installed, and the requests one of them has settled.
const streamHandlers = new WeakSet<object>()
const answered = new WeakSet<Context>()

/**
 * Puts a pass-through between a streamed body and the response. Koa 3 pipes the body with
 * `stream.pipeline`, which destroys the response before `ctx.onerror` hears of the error: with the guard
 * between them, a stream that fails before its first byte can still be answered.
 */
function guardStream(ctx: Context): void {
  const source: unknown = ctx.body
  if (!isNodeStream(source)) return
  // Koa writes no body for these; piping the stream would only read it for nothing.
  if (ctx.respond === false || ctx.method === 'HEAD' || statuses.empty[ctx.status] || !ctx.writable) return
  const guard = new PassThrough()
  finished(source, { writable: false }, (err) => {
    if (!err) return
    const res = ctx.res
    // The source was destroyed because the client went away: nobody is left to answer.
    const gone = (err as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE' && res.destroyed
    if (!gone) ctx.onerror(err as Error)
    if (res.writableEnded && !res.destroyed) guard.end()
    else guard.destroy()
  })
  source.pipe(guard)
  // Koa drops Content-Length when the body is replaced; the stream's length is still the answer's.
  const length = ctx.response.get('Content-Length')
  ctx.body = guard
  if (length) ctx.set('Content-Length', length)
}

function isNodeStream(value: unknown): value is Readable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Readable).pipe === 'function' &&
    typeof (value as Readable).on === 'function'
  )
}

/** Writes an answer on the Node response itself, for when Koa will not (`ctx.respond = false`, `ctx.onerror`). */
function writeThrough(ctx: Context, response: ErrorResponse): void {
  const res = ctx.res
  try {
    for (const name of res.getHeaderNames()) if (REPLACED_HEADERS.has(name)) res.removeHeader(name)
    // Koa's setter also sets the reason phrase over HTTP/1.
    ctx.status = response.status
    if (ctx.req.httpVersionMajor < 2 && !res.statusMessage) res.statusMessage = reasonPhrase(response.status)
    const headers = response.headers
    const exposed = headers['access-control-expose-headers']
    const current = exposed === undefined ? undefined : res.getHeader('access-control-expose-headers')
    for (const name in headers) res.setHeader(name, headers[name]!)
    if (current !== undefined) res.setHeader('access-control-expose-headers', keepExposed(exposed!, current))
    res.end(ctx.method === 'HEAD' ? undefined : response.body)
  } catch {
    // An answer that cannot be written is cut rather than left open.
    cutResponse(ctx.res)
  }
}

/**
 * The error status the route set before it failed (`ctx.status = 503; throw err`), which a thrown value
 * with no status of its own takes. Koa sets 404 itself before any middleware runs: only a status the app
 * chose counts, which Koa records as `_explicitStatus`.
 */
function routeStatus(ctx: Context): number | undefined {
  if ((ctx.response as { _explicitStatus?: unknown })._explicitStatus !== true) return undefined
  return validStatus(ctx.status)
}

interface Reporting {
  /** Whether errors >= 500 are emitted at all. */
  emit: boolean
  /** Whether the user logs on their own, so Koa's default printer must not print as well. */
  ownLog: boolean
}

function reportingOf(options: ErrorHandlerOptions<Context> | undefined): Reporting {
  const log = options?.log
  return { emit: log !== false, ownLog: log !== undefined && log !== false }
}

/**
 * Whether this error is logged by something other than Koa's 'error' event: the user's `log`, or, without
 * one, the request's own logger (koa-pino-logger's `ctx.log`, whose completion line then describes it).
 */
function ownLog(reporting: Reporting, ctx: Context): boolean {
  return reporting.ownLog || (reporting.emit && logsThroughRequest(ctx, ctx.res))
}

// Koa's default listener throws on anything that is not an Error, and a user's listener may throw, or be
// async and reject (an error tracker's `app.on('error', async (err) => send(err))`): none of that may undo a
// response already built or end the process. So the listeners are called here, as `emit` would call them
// (`rawListeners`, so that a `once` listener removes itself), each one guarded.
function report(ctx: Context, err: unknown, status: number, ownLog: boolean, headerSent: boolean): void {
  try {
    const app = ctx.app
    if (ownLog) {
      // When the app has no 'error' listener of its own, Koa registers its default `onerror` method, which
      // prints. An `onerror` assigned on the app or overridden in a subclass is the user's: only the one
      // furthest down the prototype chain is Koa's.
      const printer = koaOnerror(app)
      if (app.listeners('error').every((listener) => listener === printer)) return
    }
    const event = reportable(err, status)
    // Koa's ctx.onerror sets it on what it emits once the answer has started; listeners read it to tell an
    // error the client was answered about from one it never heard of.
    if (headerSent) markHeaderSent(event)
    for (const listener of app.rawListeners('error')) {
      try {
        settled((listener as (this: Koa, error: Error, ctx: Context) => unknown).call(app, event, ctx))
      } catch {
        // The next listener still hears of it, and the response stands.
      }
    }
  } catch {
    // The response stands.
  }
}

/**
 * What is emitted for an answer >= 500: an Error Koa's default printer prints. Errors are emitted as they
 * are, whatever realm made them; a non-Error as an Error that names it, as Koa's `ctx.onerror` does. Koa's
 * printer passes over errors it takes for the client's (`expose` true, or status 404): a `SignError` made
 * with `expose: true`, or a 4xx lifted to 5xx by `statusOverrides`, is emitted as an Error that prints the
 * same stack and keeps the thrown error as its `cause`.
 */
function reportable(thrown: unknown, status: number): Error {
  if (!isError(thrown)) {
    return new Error(`non-error thrown: ${describeValue(thrown)}`, { cause: thrown })
  }
  if (read(thrown, 'expose') !== true && read(thrown, 'status') !== 404) return thrown
  const message = read(thrown, 'message')
  const wrapper = new Error(typeof message === 'string' ? message : '', { cause: thrown })
  const stack = read(thrown, 'stack')
  if (typeof stack === 'string') wrapper.stack = stack
  return Object.assign(wrapper, { expose: false, status })
}

function markHeaderSent(event: Error): void {
  try {
    ;(event as Error & { headerSent?: boolean }).headerSent = true
  } catch {
    // A frozen error is emitted as it is.
  }
}

function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key]
  } catch {
    return undefined
  }
}

// As Koa's `%j`, cycles shown as [Circular]; what JSON cannot show (a BigInt, a throwing toJSON) is inspected.
function describeValue(value: unknown): string {
  let text: string
  try {
    text = format('%j', value)
  } catch {
    try {
      text = inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY })
    } catch {
      text = Object.prototype.toString.call(value)
    }
  }
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text
}

// A value thrown by mistake may be a whole request or database row: its description stays a log line.
const MAX_DESCRIPTION = 1024

function koaOnerror(app: object): unknown {
  let found: unknown
  for (let proto = Object.getPrototypeOf(app); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (Object.hasOwn(proto, 'onerror')) found = proto.onerror
  }
  return found
}
