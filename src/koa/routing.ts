/**
 * Koa's 404, 405 and 501: `notFound()` and `allowedMethods()`, exported by the Koa adapter's entry.
 */
import type { Context, Middleware, Next } from 'koa'
import { methodNotAllowedError, notImplementedError } from '../core/routing-errors.js'
import { notFoundError, unseenNotFoundError } from '../core/sign-error.js'
import { tooLate } from './too-late.js'

/** What each errorHandler() answers an error with, for a notFound() mounted right after it. */
export const answers = new WeakMap<object, (ctx: Context, err: unknown) => void>()

/**
 * Answers 404 with code 7 (InvalidRequestType) when nothing downstream produced a response. Mount it right
 * after `errorHandler()`: it looks at the outcome once the routes have run, so {@link allowedMethods} (or
 * @koa/router's own) still answers 405 and 501. Mounted after the routes it works too, but then before
 * `allowedMethods()` has had its say. Right after `errorHandler()` it answers through that handler itself,
 * as no middleware between them could see the error; elsewhere it rejects with a new error, which the
 * middleware before it see.
 */
export function notFound(): Middleware {
  const known: Adjacent = { middleware: undefined, length: 0, answer: undefined }
  return function esignNotFound(ctx: Context, next: Next): Promise<void> {
    // The 404 is a promise rejected, never a `throw`: Node has V8 build a message, with the thrower's
    // location, for every throw (avoiding it made Fastify's 404 a fifth faster). The promise returned is
    // rejected only once errorHandler() is waiting on it, so no rejection goes unhandled for a moment, which
    // Node's unhandled-rejection bookkeeping would note and then take back.
    return new Promise((resolve, reject) => {
      Promise.resolve(next()).then(() => {
        try {
          if (ctx.status !== 404 || ctx.body != null || ctx.headerSent) {
            resolve()
            return
          }
          // A response that can no longer be written is the stream handler's, which rethrows the error.
          const answer = tooLate(ctx) ? undefined : adjacentAnswer(ctx, esignNotFound, known)
          if (answer === undefined) {
            // Middleware of the app between them may see the error, and keep or change it: each its own.
            reject(notFoundError())
            return
          }
          // Mounted right after errorHandler(), which is all that would see the error: it answers here,
          // with the one 404 error, and nothing is rejected.
          answer(ctx, unseenNotFoundError())
          resolve()
        } catch (err) {
          reject(err)
        }
      }, reject)
    })
  }
}

/** What {@link adjacentAnswer} found for one `notFound()` in the app's middleware, while that keeps its length. */
interface Adjacent {
  middleware: unknown[] | undefined
  length: number
  answer: ((ctx: Context, err: unknown) => void) | undefined
}

/**
 * How the errorHandler() mounted right before `self` in the app's own middleware answers, if one is; none
 * when `self` is mounted twice or comes after other middleware. A sub-app's middleware (koa-mount) is not in
 * the app's: the same `notFound()` mounted in both would be answered by the app's handler.
 */
function adjacentAnswer(
  ctx: Context,
  self: Middleware,
  known: Adjacent,
): ((ctx: Context, err: unknown) => void) | undefined {
  const middleware = (ctx.app as { middleware?: unknown } | undefined)?.middleware
  if (!Array.isArray(middleware)) return undefined
  if (known.middleware === middleware && known.length === middleware.length) return known.answer
  known.middleware = middleware
  known.length = middleware.length
  const at = middleware.indexOf(self)
  known.answer =
    at > 0 && middleware.lastIndexOf(self) === at ? answers.get(middleware[at - 1] as object) : undefined
  return known.answer
}

/** What {@link allowedMethods} needs of a router: @koa/router's `Router` (or a router with its `allowedMethods()`). */
interface AllowedMethodsRouter {
  allowedMethods(): (ctx: never, next: () => Promise<unknown>) => unknown
}

/**
 * @koa/router's `allowedMethods()` with our answers: a path whose routes take other methods gets 405, code 7,
 * message `Method Not Allowed`, and the router's own `Allow` list; a method the router does not implement
 * gets 501, code 7 (with `Allow` when the path takes other methods). OPTIONS is still answered by the router
 * (200 with `Allow`). Use it instead of `router.allowedMethods({ throw: true })`, whose errors cannot know the
 * path's methods, after `router.routes()`.
 *
 * @example
 * app.use(errorHandler())
 * app.use(notFound())
 * app.use(router.routes())
 * app.use(allowedMethods(router))
 */
export function allowedMethods(router: AllowedMethodsRouter): Middleware {
  // Without `throw`, the router answers 405 and 501 itself: it sets the status and the Allow list it
  // found, which become our error.
  const decide = router.allowedMethods() as unknown as (ctx: Context, next: Next) => Promise<unknown>
  return async function esignAllowedMethods(ctx: Context, next: Next): Promise<void> {
    let unanswered = false
    await decide(ctx, async () => {
      await next()
      // Only a request nothing answered is the router's to judge: a route's own 405 stays the route's.
      unanswered = ctx.status === 404 && ctx.body == null
    })
    if (!unanswered || ctx.body != null) return
    const status = ctx.status
    if (status !== 405 && status !== 501) return
    const allow = ctx.response.get('Allow').split(',')
    // The error carries the list (none when it is empty); the router's copy would outlive an empty one.
    ctx.remove('Allow')
    throw status === 405 ? methodNotAllowedError(allow) : notImplementedError(allow)
  }
}
