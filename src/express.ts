/**
 * Express 4 and 5 adapter: writes what the core returns, decides nothing of its own.
 *
 * @module esign-errors/express
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express'
import { REPLACED_HEADERS } from './headers.js'
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
    res.statusMessage = reasonPhrase(response.status)
    for (const name in response.headers) res.setHeader(name, response.headers[name] as string)
    res.end(response.body)
    responder.log(response, err, req, res)
  }
}

/**
 * Answers every request that reached it with 404 and code 7 (InvalidRequestType). Mount it after the routes,
 * before `errorHandler()`. A response already under way (a route wrote, then called `next()`) is left
 * alone, as Express's own final handler does.
 */
export function notFound(): RequestHandler {
  return function esignNotFound(_req: Request, res: Response, next: NextFunction): void {
    if (res.headersSent) return
    next(notFoundError())
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
