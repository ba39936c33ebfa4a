// An Express 5 app with ROUTES GET routes (10 by default) and a 404 for any other path: with LIB=1 the
// library's `notFound()` and `errorHandler()`, otherwise a hand-written 404 that sends the same bytes
// (PROBLEM=1: the problem+json answer the library sends to `Accept: application/problem+json`). Run by
// bench/pairs-not-found.ts; it imports the built package (`npm run build`).

import express from 'express'
import {
  handHeaders,
  handNotFound,
  handNotFoundProblem,
  JSON_TYPE,
  PROBLEM_TYPE,
  pathOf,
  ROUTE_COUNT,
  routePaths,
} from './shared.mjs'

const app = express()
for (const path of routePaths(ROUTE_COUNT)) {
  app.get(path, (_req, res) => {
    res.json({ code: 0, message: 'Success' })
  })
}
if (process.env.LIB === '1') {
  const { errorHandler, notFound } = await import('esign-errors/express')
  app.use(notFound())
  app.use(errorHandler())
} else {
  const problem = process.env.PROBLEM === '1'
  app.use((req, res) => {
    const body = problem ? handNotFoundProblem(pathOf(req.originalUrl)) : handNotFound()
    const headers = handHeaders(problem ? PROBLEM_TYPE : JSON_TYPE, body)
    res.statusCode = 404
    for (const name in headers) res.setHeader(name, headers[name])
    res.end(body)
  })
  // The app's own error handler, as any app has one: a 404 never reaches it.
  app.use((err, _req, res, _next) => {
    res.statusCode = 500
    res.end(String(err))
  })
}
const server = app.listen(0, '127.0.0.1', () => process.send(server.address().port))
