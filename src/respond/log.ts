/**
 * Logging of answered errors: the entry the `log` hook gets, the line a logger writes, and what a request
 * logger mounted before us (pino-http, Fastify's, koa-pino-logger) is told. Compiled once per handler.
 */
import { type CauseInfo, causeChain, describeThrown, readCause, settled } from '../core/foreign.js'
import type { ErrorResponse } from './body.js'
import { isJsonBodyFailure, JSON_BODY_MESSAGE } from './normalize.js'

/** The level of a 4xx line; `false` in the `clientErrors` option logs none. */
export type ClientErrorLevel = 'warn' | 'info' | 'debug'

/**
 * What the log hook receives, once per error. Only `request` is not enumerable: handing the entry to a
 * logger as it is (`logger.warn(entry)`) must not serialize a whole request object.
 */
export interface LogEntry<Req = unknown> {
  /** `'error'` for >= 500; for 4xx the `clientErrors` level. */
  level: 'error' | ClientErrorLevel
  status: number
  code: number
  /** The code's name; not `name`, which pino keeps for the logger's own name. */
  codeName: string
  requestId: string | undefined
  /** The request method. */
  method: string | undefined
  /** The request path, without its query string (tokens travel there). */
  path: string | undefined
  /**
   * >= 500: the thrown value itself. 4xx: `{ type, message }` and, when it had causes, their names and
   * messages as `causes`: never a stack, so a logger's error serializer has none to print.
   */
  err: unknown
  /** The thrown value and each of its causes, outermost first; stacks only for >= 500. */
  causes: CauseInfo[]
  /** The framework's own request object: Express `req`, Koa `ctx`, Fastify `request` (not enumerable). */
  readonly request: Req | undefined
}

/**
 * A pino-style logger (pino, bunyan-like, or `console`). Its methods may be async: a rejected promise is
 * caught, like a throw, and the answer stands. `info` and `debug` are needed only when `clientErrors` asks
 * for that level.
 */
export interface LoggerLike {
  error(object: object, message?: string): unknown
  warn(object: object, message?: string): unknown
  info?(object: object, message?: string): unknown
  debug?(object: object, message?: string): unknown
}

/** The log option, as `ErrorHandlerOptions` declares it. */
export type LogOption<Req> = false | ((entry: LogEntry<Req>) => unknown) | LoggerLike | undefined

/** Reports one answered error; never throws. */
export type LogFunction = (response: ErrorResponse, thrown: unknown, req: unknown, res: unknown) => void

class Entry<Req> implements LogEntry<Req> {
  level: 'error' | ClientErrorLevel
  status: number
  code: number
  codeName: string
  requestId: string | undefined
  method: string | undefined
  path: string | undefined
  err: unknown
  causes: CauseInfo[]
  readonly #request: Req | undefined

  constructor(
    level: 'error' | ClientErrorLevel,
    response: ErrorResponse,
    thrown: unknown,
    request: Req | undefined,
    server: boolean,
  ) {
    this.level = level
    this.status = response.status
    this.code = response.code
    this.codeName = response.name
    this.requestId = response.requestId
    this.method = methodOf(request)
    this.path = pathOf(request)
    // Stacks cost microseconds to render; a 4xx is the client's doing and its stack says nothing new. Its
    // chain is read once, for both.
    this.causes = server ? causeChain(thrown, true) : clientChain(thrown)
    this.err = server ? thrown : clientView(thrown, this.causes)
    this.#request = request
  }

  get request(): Req | undefined {
    return this.#request
  }
}

/**
 * Compiles the `log` option once. `clientErrors` is the level of 4xx lines (`false`: none); `fallback` is
 * what happens without a `log` option and without a request logger: `console.error` for >= 500, or nothing
 * (Koa, which emits 'error' instead).
 *
 * Whatever the option, an answer >= 500 on a response pino-http watches sets `res.err`, so pino-http's own
 * completion line describes our error rather than a made-up "failed with status code 500". Without a `log`
 * option that line is the only one: nothing is logged a second time.
 */
export function compileLog<Req>(
  option: LogOption<Req>,
  clientErrors: ClientErrorLevel | false,
  fallback: 'console' | 'none',
): LogFunction {
  const write:
    | ((response: ErrorResponse, thrown: unknown, req: unknown, server: boolean) => void)
    | undefined =
    option === false
      ? undefined
      : option === undefined
        ? (response, thrown, req, server) => {
            const logger = requestLogger(req)
            if (logger !== undefined) {
              toLogger(
                logger,
                server ? 'error' : (clientErrors as ClientErrorLevel),
                response,
                thrown,
                req,
                server,
              )
            } else if (server && fallback === 'console') {
              const id = response.requestId ? ` request ${response.requestId}` : ''
              console.error(
                `esign-errors: ${response.status} ${response.name} (code ${response.code})${id}`,
                thrown,
              )
            }
          }
        : typeof option === 'function'
          ? (response, thrown, req, server) => {
              const level = server ? 'error' : (clientErrors as ClientErrorLevel)
              settled(option(new Entry(level, response, thrown, req as Req, server)))
            }
          : (response, thrown, req, server) =>
              toLogger(
                option,
                server ? 'error' : (clientErrors as ClientErrorLevel),
                response,
                thrown,
                req,
                server,
              )
  const own = option === undefined

  return function log(response, thrown, req, res) {
    try {
      const server = response.status >= 500
      if (server && watchedByPinoHttp(res)) {
        ;(res as { err?: unknown }).err = serverView(thrown, response)
        if (own) return
      }
      if (write === undefined || (!server && clientErrors === false)) return
      write(response, thrown, req, server)
    } catch {
      // A failing logger must not turn an answered error into a crash.
    }
  }
}

/**
 * Whether, with no `log` option, an answer >= 500 reaches a request logger (so Koa's default 'error'
 * printer would print it a second time).
 */
export function logsThroughRequest(req: unknown, res: unknown): boolean {
  try {
    return requestLogger(req) !== undefined || watchedByPinoHttp(res)
  } catch {
    return false
  }
}

function toLogger(
  logger: LoggerLike,
  level: 'error' | ClientErrorLevel,
  response: ErrorResponse,
  thrown: unknown,
  req: unknown,
  server: boolean,
): void {
  const line = {
    status: response.status,
    code: response.code,
    codeName: response.name,
    requestId: response.requestId,
    method: methodOf(req),
    path: pathOf(req),
    // pino's error serializer prints `err` with its stack and its causes' stacks: only for >= 500.
    err: server ? thrown : clientView(thrown),
  }
  // A logger without info() or debug() (checked at build time for the `log` option) gets warn().
  const method = logger[level] ?? logger.warn
  settled(method.call(logger, line, `${response.status} ${response.name} (code ${response.code})`))
}

/**
 * The request's own logger, when one was put there: pino-http's `req.log`, koa-pino-logger's `ctx.log`,
 * Fastify's `request.log`. A logger has a `level`, as pino's do: Fastify's stand-in when its logger is off
 * (abstract-logging) has none, and must not swallow the errors the console would show.
 */
function requestLogger(req: unknown): LoggerLike | undefined {
  // Own property only: pino-http, koa-pino-logger and Fastify all set it on the request itself, and a `log`
  // another package put on Object.prototype must not take over the error log.
  if (typeof req !== 'object' || req === null || !Object.hasOwn(req, 'log')) return undefined
  const log = (req as { log?: unknown }).log
  if (typeof log !== 'object' || log === null) return undefined
  const logger = log as LoggerLike & { level?: unknown }
  return typeof logger.error === 'function' &&
    typeof logger.warn === 'function' &&
    typeof logger.level === 'string'
    ? logger
    : undefined
}

/** pino-http (and koa-pino-logger, built on it) keeps the loggers of a response in `res.allLogs`. */
function watchedByPinoHttp(res: unknown): boolean {
  return (
    typeof res === 'object' &&
    res !== null &&
    Object.hasOwn(res, 'allLogs') &&
    Array.isArray((res as { allLogs?: unknown }).allLogs)
  )
}

function methodOf(req: unknown): string | undefined {
  if (typeof req !== 'object' || req === null) return undefined
  const method = (req as { method?: unknown }).method
  return typeof method === 'string' ? method : undefined
}

/** The path without its query string: queries often carry tokens, and logs are kept. */
function pathOf(req: unknown): string | undefined {
  if (typeof req !== 'object' || req === null) return undefined
  const request = req as { originalUrl?: unknown; url?: unknown }
  const url = request.originalUrl ?? request.url
  if (typeof url !== 'string') return undefined
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

/**
 * The cause chain of a 4xx, without stacks. A JSON body a parser refused is one link with a message of ours:
 * the parser's, or its cause's, quotes the body.
 */
function clientChain(thrown: unknown): CauseInfo[] {
  const chain = causeChain(thrown, false)
  if (chain[0] === undefined || !isJsonBodyFailure(thrown)) return chain
  return [{ ...chain[0], message: JSON_BODY_MESSAGE }]
}

/**
 * A 4xx error as logged: its type and message, and its causes' names and messages; no stack. An object
 * without prototype, which pino's error serializer reads by its `type`.
 */
function clientView(thrown: unknown, chain = clientChain(thrown)): object {
  const first = chain[0]
  const view: { type: string; message: string; causes?: CauseInfo[] } = Object.create(null)
  view.type = first ? first.name : String(thrown)
  view.message = first ? first.message : String(thrown)
  if (chain.length > 1) view.causes = chain.slice(1)
  return view
}

/**
 * What pino-http's completion line prints as `err` for an answer >= 500: the thrown value's type, message
 * and stack (pino follows `cause` for the chain's), with our code, its name and the status.
 */
function serverView(thrown: unknown, response: ErrorResponse): object {
  const first = describeThrown(thrown, true)
  const view: Record<string, unknown> = Object.create(null)
  view.type = first.name
  view.message = first.message
  if (first.stack !== undefined) view.stack = first.stack
  view.code = response.code
  view.codeName = response.name
  view.status = response.status
  const cause = readCause(thrown)
  if (cause !== undefined) view.cause = cause
  return view
}
