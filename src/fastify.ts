/**
 * Fastify 5 adapter: writes what the core returns, decides nothing of its own.
 *
 * @module esign-errors/fastify
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { REPLACED_HEADERS } from './headers.js'
import type { ErrorHandlerOptions } from './response.js'
import { createResponder } from './response.js'
import { notFoundError } from './sign-error.js'

export type { ErrorHandlerOptions } from './response.js'

/**
 * The error handler for `app.setErrorHandler()`: any value thrown by a route, a hook, a body parser or
 * schema validation becomes the standard status, headers and JSON body.
 *
 * Fastify gives every request an id (`req-1`, … unless `genReqId` or `requestIdHeader` says otherwise), so
 * every error body carries it as `requestId`.
 *
 * @example
 * app.setErrorHandler(errorHandler())
 * app.setNotFoundHandler(notFound())
 */
export function errorHandler(
  options?: ErrorHandlerOptions<FastifyRequest>,
): (error: unknown, request: FastifyRequest, reply: FastifyReply) => void {
  const responder = createResponder(options)
  return function esignErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const response = responder.respond(error, request)
    if (reply.sent || reply.raw.headersSent) {
      // Too late for a clean answer: end the connection so the client sees a cut answer, not a hang.
      reply.raw.destroy()
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
    reply.send(response.body)
    responder.log(response, error)
  }
}

/**
 * The handler for `app.setNotFoundHandler()`: 404 with code 7 (InvalidRequestType), answered by the error
 * handler like any other error.
 */
export function notFound(): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async function esignNotFound(): Promise<void> {
    throw notFoundError()
  }
}
