// A Fastify 5 app with ROUTES GET routes (10 by default) and a 404 for any other path: with LIB=1 the
// library's `esignErrors()` plugin (its error and not-found handlers), registered before the routes as
// docs/fastify.md says, otherwise a hand-written error handler and not-found handler that send the same
// bytes, request id included (PROBLEM=1: the problem+json answer the library sends to `Accept:
// application/problem+json`). Run by bench/pairs-not-found.ts; it imports the built package.

import Fastify from 'fastify'
import {
  handHeaders,
  handNotFoundProblem,
  handNotFoundWithId,
  JSON_TYPE,
  PROBLEM_TYPE,
  pathOf,
  ROUTE_COUNT,
  routePaths,
} from './shared.mjs'

const app = Fastify({ logger: false })
if (process.env.LIB === '1') {
  const { esignErrors } = await import('esign-errors/fastify')
  await app.register(esignErrors({ log: false }))
} else {
  const problem = process.env.PROBLEM === '1'
  app.setNotFoundHandler((request, reply) => {
    const body = problem
      ? handNotFoundProblem(pathOf(request.url), request.id)
      : handNotFoundWithId(request.id)
    const headers = handHeaders(problem ? PROBLEM_TYPE : JSON_TYPE, body)
    // Fastify sets Content-Length itself from a string body.
    delete headers['content-length']
    reply
      .code(404)
      .headers({ ...headers, 'x-request-id': request.id })
      .send(body)
  })
  // The app's own error handler, as any app has one: a 404 never reaches it.
  app.setErrorHandler((err, _request, reply) => {
    reply.code(500).send(String(err))
  })
}
for (const path of routePaths(ROUTE_COUNT)) {
  app.get(path, async () => ({ code: 0, message: 'Success' }))
}
await app.listen({ port: 0, host: '127.0.0.1' })
process.send(app.server.address().port)
