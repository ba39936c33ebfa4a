// What the servers of bench/not-found/ share: the routes registered before the 404, and the answer a
// hand-written handler sends, built the way a service without this package would build it.

/** The path every request of the 404 pairs asks for: shares its first segment with routes, matches none. */
export const MISSING = '/documents/D-1/comments'

/** The route of details.mjs, which throws with a large `details`. */
export const DETAILS_PATH = '/orders'

/** How many GET routes to register before the 404 (`ROUTES=2000`), 10 by default. */
export const ROUTE_COUNT = Number(process.env.ROUTES ?? 10)

/**
 * The paths of `count` GET routes, in the shapes an API has: parameters, fixed segments, versions. Each is
 * distinct, and none takes MISSING, under any method.
 */
export function routePaths(count) {
  const paths = []
  for (let i = 0; i < count; i++) {
    switch (i % 4) {
      case 0:
        paths.push(`/documents/:id/pages/${i}`)
        break
      case 1:
        paths.push(`/r${i}/items`)
        break
      case 2:
        paths.push(`/users/:userId/r${i}/:itemId`)
        break
      default:
        paths.push(`/api/v1/r${i}`)
    }
  }
  return paths
}

export const JSON_TYPE = 'application/json; charset=utf-8'
export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'

/** The library's 404 envelope, as a hand-written handler stringifies it per request. */
export function handNotFound() {
  return JSON.stringify({
    code: 7,
    name: 'InvalidRequestType',
    message: 'Not Found',
    status: 404,
    retryable: false,
  })
}

/** The library's 404 in problem+json (RFC 9457), with the request's path as `instance`. */
export function handNotFoundProblem(path, requestId) {
  const problem = {
    type: 'about:blank',
    title: 'Not Found',
    status: 404,
    detail: 'Not Found',
    instance: path,
    code: 7,
    name: 'InvalidRequestType',
    retryable: false,
  }
  if (requestId !== undefined) problem.requestId = requestId
  return JSON.stringify(problem)
}

/** The envelope with a request id last (Fastify gives every request one, and the library sends it). */
export function handNotFoundWithId(requestId) {
  return JSON.stringify({
    code: 7,
    name: 'InvalidRequestType',
    message: 'Not Found',
    status: 404,
    retryable: false,
    requestId,
  })
}

/** The headers the library writes on a 4xx, in its order. */
export function handHeaders(type, body) {
  return {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-length': String(Buffer.byteLength(body)),
  }
}

/** The path part of a URL, as `instance` takes it. */
export function pathOf(url) {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}
