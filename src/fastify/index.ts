/**
 * Fastify 5 adapter: writes what the core returns, decides nothing of its own.
 *
 * @module esign-errors/fastify
 */
import { STATUS_CODES } from 'node:http'
import type { HTTPMethods } from 'fastify'
import { allowValue, methodNotAllowedError, rememberPath } from '../core/routing-errors.js'
import { notFoundError, unseenNotFoundError } from '../core/sign-error.js'
import { keepExposed, REPLACED_HEADERS } from '../http/headers.js'
import { asReceived, cutResponse } from '../respond/cut.js'
import { reasonPhrase } from '../respond/negotiate.js'
import type { ErrorHandlerOptions } from '../respond/options.js'
import type { AdapterResponder } from '../respond/responder.js'
import { compileResponder } from '../respond/responder.js'
import { type LogControllerClass, streamErrorController, watchHandler, watchStream } from './late-errors.js'
import type { AnyFastifyInstance, AnyFastifyReply, AnyFastifyRequest } from './types.js'

export type { ErrorHandlerOptions } from '../respond/options.js'
export type { LogControllerClass, StreamErrorLogging } from './late-errors.js'
export type { AnyFastifyInstance, AnyFastifyReply, AnyFastifyRequest } from './types.js'

/** What `app.setErrorHandler()` and the `frameworkErrors` option take. */
export type FastifyErrorHandler = (error: unknown, request: AnyFastifyRequest, reply: AnyFastifyReply) => void

// Replies go out as the responder wrote them, whatever serializer a route set on its reply.
const asWritten = (payload: unknown): string => payload as string

/**
 * The error handler for `app.setErrorHandler()`: any value thrown by a route, a hook, a body parser or
 * schema validation becomes the standard status, headers and JSON body. Give the same handler to
 * Fastify's `frameworkErrors` option, so that a malformed URL is answered the same way.
 *
 * Fastify gives every request an id (`req-1`, … unless `genReqId` or `requestIdHeader` says otherwise), so
 * every error body carries it as `requestId`. A status the route set before the error (`reply.code(501)`) is
 * kept for a value with no status of its own. {@link esignErrors} sets this handler and the not-found one in
 * one plugin, and also lets the log hear of errors Fastify gives no handler.
 *
 * @example
 * const onError = errorHandler()
 * const app = Fastify({ frameworkErrors: onError })
 * app.setErrorHandler(onError)
 * app.setNotFoundHandler(notFound())
 */
export function errorHandler(options?: ErrorHandlerOptions<AnyFastifyRequest>): FastifyErrorHandler {
  return handlerFor(compileResponder(options ?? {}, 'console'))
}

function handlerFor(responder: AdapterResponder<AnyFastifyRequest>): FastifyErrorHandler {
  return function esignErrorHandler(
    error: unknown,
    request: AnyFastifyRequest,
    reply: AnyFastifyReply,
  ): void {
    // Fastify keeps the status a route or hook set before the error (`reply.code(501).send(err)`,
    // `reply.code(400); done(err)`): a value with no status of its own takes it, as Fastify's own handler does.
    const response = responder.answer(error, request, reply.statusCode)
    const raw = reply.raw
    if (raw.headersSent) {
      // Too late for a clean answer: end the connection so the client sees a cut answer, not a hang
      // (unless the answer is complete already, which is then logged with the status the client got).
      const received = asReceived(response, raw)
      cutResponse(raw)
      responder.log(received, error, request, raw)
      return
    }
    for (const name of Object.keys(reply.getHeaders())) {
      if (REPLACED_HEADERS.has(name.toLowerCase())) reply.removeHeader(name)
    }
    reply.code(response.status)
    // As on Express: a phrase the route set would stay on the error's status line, and Node writes `unknown`
    // for a status it has no phrase for. HTTP/2 has no reason phrase.
    if (
      request.raw.httpVersionMajor < 2 &&
      (raw.statusMessage !== undefined || STATUS_CODES[response.status] === undefined)
    ) {
      raw.statusMessage = reasonPhrase(response.status)
    }
    // Content-Length is left to Fastify, which sets it from the string body.
    const headers = response.headers
    const exposed = headers['access-control-expose-headers']
    const current = exposed === undefined ? undefined : reply.getHeader('access-control-expose-headers')
    for (const name in headers) if (name !== 'content-length') reply.header(name, headers[name]!)
    if (current !== undefined) reply.header('access-control-expose-headers', keepExposed(exposed!, current))
    reply.serializer(asWritten).send(response.body)
    responder.log(response, error, request, raw)
  }
}

/**
 * The handler for `app.setNotFoundHandler()`: 404 with code 7 (InvalidRequestType), answered by the error
 * handler like any other error; 405 with the same code and an `Allow` header when routes of the app take
 * the path under other methods (Fastify's router, asked through `findRoute()`). OPTIONS on such a path is
 * answered 204 with `Allow`, as Express and @koa/router answer it.
 */
export function notFound(): (request: AnyFastifyRequest, reply: AnyFastifyReply) => Promise<void> {
  return function esignNotFound(request: AnyFastifyRequest, reply: AnyFastifyReply): Promise<void> {
    const allowed = routeMethods(request)
    // A route for this very method that called `reply.callNotFound()` makes it not found, not the wrong method.
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      if (request.method !== 'OPTIONS') return rejectLater(methodNotAllowedError(allowed))
      answerOptions(reply, allowed)
      return Promise.resolve()
    }
    return rejectLater(notFoundError())
  }
}

/** OPTIONS on a path that routes take under other methods: 204 with `Allow`, as Express and @koa/router answer it. */
function answerOptions(reply: AnyFastifyReply, allowed: readonly string[]): void {
  reply.code(204).header('allow', allowValue(allowed)).send()
}

/**
 * The plugin's not-found handler: the same answers as {@link notFound}, given by the plugin's own error handler
 * directly, as Fastify's default 404 is given: no error goes through Fastify's error path, so the app's
 * `onError` hooks do not hear of a 404 or 405 (they do not of Fastify's own either). A 404 is one error, built
 * once, when `statusOverrides` keep it a 4xx (the log is then handed a view of it, never the error itself);
 * with a 5xx override, or for a 405 (whose `Allow` is the path's), each request has its own.
 */
function answeringNotFound(
  answer: FastifyErrorHandler,
  shared: boolean,
): (request: AnyFastifyRequest, reply: AnyFastifyReply) => void {
  return function esignNotFound(request: AnyFastifyRequest, reply: AnyFastifyReply): void {
    const allowed = routeMethods(request)
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      if (request.method === 'OPTIONS') answerOptions(reply, allowed)
      else answer(methodNotAllowedError(allowed), request, reply)
      return
    }
    // Nothing is returned: a throw while answering goes to Fastify's error path, as from any handler.
    answer(shared ? unseenNotFoundError() : notFoundError(), request, reply)
  }
}

/**
 * A promise that rejects with `error` once Fastify, which the handler returns it to, waits on it. Not a
 * `throw`: Node has V8 build a message, with the thrower's location, for every throw, which cost a 404 more
 * than a fifth of its throughput. Not `Promise.reject()` either: a rejection nothing handles yet goes
 * through Node's unhandled-rejection bookkeeping, and again when Fastify's handler is added.
 */
function rejectLater(error: unknown): Promise<void> {
  return new Promise((_resolve, reject) => {
    queueMicrotask(() => reject(error))
  })
}

/**
 * Per app, the methods found for each URL asked. Fastify takes no route once it has started, and answers no
 * request before, so an answer holds for the app's life. Keyed by the app's `findRoute`, which every
 * encapsulated instance of the app inherits.
 */
const knownUrls = new WeakMap<object, Map<string, readonly string[]>>()
const NO_METHODS: readonly string[] = Object.freeze([])

/** The methods whose routes match the request's path: Fastify's own router, with its options and params. */
function routeMethods(request: AnyFastifyRequest): readonly string[] {
  const methods: string[] = []
  try {
    const server = request.server
    const url = request.url
    const findRoute = server.findRoute
    let urls = knownUrls.get(findRoute)
    const known = urls?.get(url)
    if (known !== undefined) return known
    // One look-up per method Fastify supports (nine, more with addHttpMethod()): most of a 404's own cost.
    for (const method of server.supportedMethods) {
      // Typed as never null, but null is what it returns for a path no route of that method matches.
      const found: unknown = server.findRoute({ method: method as HTTPMethods, url })
      if (found) methods.push(method)
    }
    if (urls === undefined) {
      urls = new Map()
      knownUrls.set(findRoute, urls)
    }
    rememberPath(urls, url, methods.length === 0 ? NO_METHODS : methods)
  } catch {
    // An app that is not what Fastify makes: the plain 404 stands.
  }
  return methods
}

/** The plugin {@link esignErrors} returns: give it to `app.register()`. */
export interface EsignErrorsPlugin {
  (instance: AnyFastifyInstance, options: Record<never, never>, done: (error?: Error) => void): void
  /** The plugin's own error handler, for `Fastify({ frameworkErrors })`: same options, same log. */
  readonly frameworkErrors: FastifyErrorHandler
  /**
   * A log controller for `Fastify({ logController })` (Fastify 5.10 and later): an instance of `Base`
   * (Fastify's `LogController`, or your own subclass of it) built with `args` (Fastify then ignores its own
   * `disableRequestLogging` and `requestIdLogLabel` options: give them here), whose stream error line also
   * tells the plugin's log of a stream that failed after its answer started. On an app built with it, the
   * plugin adds no `onSend` hook, which otherwise watches every answer for that failure (about 5 % of a small
   * streamed answer's throughput).
   *
   * @example
   * import Fastify, { LogController } from 'fastify'
   * const errors = esignErrors()
   * const logController = errors.logController(LogController, { disableRequestLogging: true })
   * const app = Fastify({ frameworkErrors: errors.frameworkErrors, logController })
   * await app.register(errors)
   */
  logController<C extends LogControllerClass>(Base: C, ...args: ConstructorParameters<C>): InstanceType<C>
}

/**
 * Everything in one plugin: the error handler and the not-found handler at the root (which answers a 404 or 405
 * itself, as Fastify's own 404 is answered: `onError` hooks do not hear of it), and hooks that tell
 * the log of the errors Fastify never hands to an error handler because the answer had already gone out: a
 * stream (Node or web) that fails midway, a route that throws after `reply.raw.end()` or `reply.hijack()`.
 * Each error reaches the log once. A stream that fails midway over HTTP/2 is reset with `INTERNAL_ERROR`, so
 * the client cannot take the cut answer for a complete one. Register it before the routes, and await it: Fastify shows a plugin only
 * the routes added after it.
 *
 * @example
 * const errors = esignErrors({ log: logger })
 * const app = Fastify({ frameworkErrors: errors.frameworkErrors }) // malformed URLs too
 * await app.register(errors)
 */
export function esignErrors(options?: ErrorHandlerOptions<AnyFastifyRequest>): EsignErrorsPlugin {
  const responder = compileResponder(options ?? {}, 'console')
  const onError = handlerFor(responder)
  const onNotFound = answeringNotFound(onError, responder.staysClientError(7))

  // Only called when Fastify will not call the error handler, so an error is never logged twice.
  // It runs inside a stream's 'error' listener and a promise reaction, where a throw would crash the process.
  function logLate(error: unknown, request: AnyFastifyRequest, reply: AnyFastifyReply): void {
    try {
      const response = responder.answer(error, request, reply.statusCode)
      // An answer the route (or its stream) had ended is whole: logged as the client got it.
      responder.log(asReceived(response, reply.raw), error, request, reply.raw)
    } catch {
      // The log is best effort here; the answer, if any, is already on its way.
    }
  }

  // Fastify's own test for a stream error it will not answer but only log (reply.js, sendStream).
  const tooLateToAnswer = (request: AnyFastifyRequest, reply: AnyFastifyReply): boolean =>
    reply.raw.headersSent || request.raw.aborted === true

  // A stream that failed after its answer started: told to the log, and an HTTP/2 stream reset.
  function streamFailed(error: unknown, request: AnyFastifyRequest, reply: AnyFastifyReply): void {
    logLate(error, request, reply)
    // Before Fastify's own `destroy()`, which over HTTP/2 closes the stream as if the answer were
    // complete: reset with INTERNAL_ERROR, as the Koa adapter does, so the client sees it cut.
    cutResponse(reply.raw)
  }

  // The log controllers this plugin made: an app built with one of them tells the plugin of failed streams.
  const controllers = new WeakSet<object>()
  function logController<C extends LogControllerClass>(
    Base: C,
    ...args: ConstructorParameters<C>
  ): InstanceType<C> {
    const controller = streamErrorController(Base, args, (error, request, reply) => {
      // Fastify's name for a stream cut short without an error of its own: the client went away, or the app
      // destroyed it. Not a failure of the answer (Fastify writes it at info), and the hook never heard of it.
      if ((error as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE') return
      streamFailed(error, request, reply)
    })
    controllers.add(controller)
    return controller
  }

  /**
   * Whether the app was built with a log controller of this plugin. Fastify keeps it under a symbol of its own,
   * not exported: read by its description, and where it is not found, the hook is added as without one.
   */
  function builtWithOurs(instance: AnyFastifyInstance): boolean {
    try {
      for (let holder: object | null = instance; holder !== null; holder = Object.getPrototypeOf(holder)) {
        for (const key of Object.getOwnPropertySymbols(holder)) {
          if (key.description === 'fastify.logController') {
            return controllers.has((holder as Record<symbol, object>)[key] as object)
          }
        }
      }
    } catch {
      // Not an app as Fastify builds it: the hook does the work.
    }
    return false
  }

  const plugin = function esignErrorsPlugin(
    instance: AnyFastifyInstance,
    _options: Record<never, never>,
    done: (error?: Error) => void,
  ): void {
    instance.setErrorHandler(onError)
    instance.setNotFoundHandler(onNotFound)
    // A route that throws once its reply is sent (ended or hijacked) only gets a line in Fastify's own
    // log; no hook or handler hears of it. Wrapping the handler is the one place left to see it.
    instance.addHook('onRoute', (route) => {
      route.handler = watchHandler(route.handler, (error, request, reply) => {
        if (reply.sent) logLate(error, request, reply)
      })
    })
    // Built with this plugin's log controller, the app itself tells the plugin of a stream that fails too late
    // to answer: no hook on every answer for it.
    if (builtWithOurs(instance)) {
      done()
      return
    }
    instance.addHook('onSend', (request, reply, payload, next) => {
      // A serialized answer (a string, the common case) or none goes on as it is, with nothing made for it.
      if (typeof payload !== 'object' || payload === null) {
        next(null, payload)
        return
      }
      next(
        null,
        watchStream(payload, (error) => {
          if (tooLateToAnswer(request, reply)) streamFailed(error, request, reply)
        }),
      )
    })
    done()
  } as EsignErrorsPlugin

  // fastify-plugin's markers, without importing it: apply to the instance registering the plugin (the
  // root), not to an encapsulated child; name it for hasPlugin() and dependency checks.
  Object.defineProperties(plugin, {
    [Symbol.for('skip-override')]: { value: true },
    [Symbol.for('fastify.display-name')]: { value: 'esign-errors' },
    [Symbol.for('plugin-meta')]: { value: { name: 'esign-errors', fastify: '5.x' } },
    frameworkErrors: { value: onError, enumerable: true },
    logController: { value: logController, enumerable: true },
  })
  return plugin
}
