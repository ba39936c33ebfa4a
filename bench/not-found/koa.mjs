// A Koa 3 app with ROUTES GET routes (10 by default, on @koa/router) and a 404 for any other path: with
// LIB=1 the library's `errorHandler()`, `notFound()` and `allowedMethods(router)` mounted as docs/koa.md
// mounts them, otherwise a hand-written error handler and 404 that send the same bytes, and the router's own
// `allowedMethods()` (PROBLEM=1: the problem+json answer the library sends to `Accept:
// application/problem+json`). Run by bench/pairs-not-found.ts; it imports the built package.

import Router from '@koa/router'
import Koa from 'koa'
import {
  handHeaders,
  handNotFound,
  handNotFoundProblem,
  JSON_TYPE,
  PROBLEM_TYPE,
  ROUTE_COUNT,
  routePaths,
} from './shared.mjs'

const app = new Koa()
const router = new Router()
for (const path of routePaths(ROUTE_COUNT)) {
  router.get(path, (ctx) => {
    ctx.body = { code: 0, message: 'Success' }
  })
}
if (process.env.LIB === '1') {
  const { allowedMethods, errorHandler, notFound } = await import('esign-errors/koa')
  app.use(errorHandler())
  app.use(notFound())
  app.use(router.routes())
  app.use(allowedMethods(router))
} else {
  const problem = process.env.PROBLEM === '1'
  // The app's own error handler, as any app has one: a 404 goes through it without an error.
  app.use(async (ctx, next) => {
    try {
      await next()
    } catch (err) {
      ctx.status = 500
      ctx.body = String(err)
    }
  })
  app.use(async (ctx, next) => {
    await next()
    if (ctx.status !== 404 || ctx.body != null) return
    const body = problem ? handNotFoundProblem(ctx.path) : handNotFound()
    const headers = handHeaders(problem ? PROBLEM_TYPE : JSON_TYPE, body)
    ctx.status = 404
    // Koa sets Content-Length itself from a string body.
    for (const name in headers) if (name !== 'content-length') ctx.res.setHeader(name, headers[name])
    ctx.body = body
  })
  app.use(router.routes())
  app.use(router.allowedMethods())
}
const server = app.listen(0, '127.0.0.1', () => process.send(server.address().port))
