/**
 * Fastify 5 adapter: writes what the core returns, decides nothing of its own.
 *
 * @module esign-errors/fastify
 */
import type {
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerBase,
  RouteGenericInterface,
} from 'fastify'
import { REPLACED_HEADERS } from './headers.js'
import type { ErrorHandlerOptions } from './response.js'
import { createResponder } from './response.js'
import { notFoundError } from './sign-error.js'

export type { ErrorHandlerOptions } from './response.js'

/** A request of any Fastify app: HTTP/1 or HTTP/2, any type provider. */
export type AnyFastifyRequest = FastifyRequest<
  RouteGenericInterface,
  RawServerBase,
  RawRequestDefaultExpression<RawServerBase>,
  FastifySchema,
  FastifyTypeProvider
>

/** A reply of any Fastify app: HTTP/1 or HTTP/2, any type provider. */
export type AnyFastifyReply = FastifyReply<
  RouteGenericInterface,
  RawServerBase,
  RawRequestDefaultExpression<RawServerBase>,
  RawReplyDefaultExpression<RawServerBase>,
  unknown,
  FastifySchema,
  FastifyTypeProvider
>

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
 * every error body carries it as `requestId`.
 *
 * @example
 * const onError = errorHandler()
 * const app = Fastify({ frameworkErrors: onError })
 * app.setErrorHandler(onError)
 * app.setNotFoundHandler(notFound())
 */
export function errorHandler(options?: ErrorHandlerOptions<AnyFastifyRequest>): FastifyErrorHandler {
  const responder = createResponder(options)
  return function esignErrorHandler(
    error: unknown,
    request: AnyFastifyRequest,
    reply: AnyFastifyReply,
  ): void {
    // Fastify keeps the status a route or hook set before the error (`reply.code(501).send(err)`,
    // `reply.code(400); done(err)`): a value with no status of its own takes it, as Fastify's own handler does.
    const response = responder.respond(error, request, reply.statusCode)
    const raw = reply.raw
    if (raw.headersSent) {
      // Too late for a clean answer: end the connection so the client sees a cut answer, not a hang
      // (unless the answer is complete already).
      if (!raw.writableEnded) raw.destroy()
      responder.log(response, error)
      return
    }
    for (const name of Object.keys(reply.getHeaders())) {
      if (REPLACED_HEADERS.has(name.toLowerCase())) reply.removeHeader(name)
    }
    reply.code(response.status)
    // Content-Length is left to Fastify, which sets it from the string body.
    const headers = response.headers
    for (const name in headers) if (name !== 'content-length') reply.header(name, headers[name]!)
    reply.serializer(asWritten).send(response.body)
    responder.log(response, error)
  }
}

/**
 * The handler for `app.setNotFoundHandler()`: 404 with code 7 (InvalidRequestType), answered by the error
 * handler like any other error. Fastify also answers a known path with an unknown method this way.
 */
export function notFound(): () => Promise<never> {
  return async function esignNotFound(): Promise<never> {
    throw notFoundError()
  }
}
