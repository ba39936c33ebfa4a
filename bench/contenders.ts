/** Frameworks under test. */
export const FRAMEWORKS = ['express', 'koa', 'fastify'] as const
/** A framework under test. */
export type Framework = (typeof FRAMEWORKS)[number]

/** HTTP contenders, by letter; every one runs on every framework. */
export const CONTENDERS = ['a', 'a2', 'b', 'e', 'c', 'p', 'q', 's', 't', 'n', 'r'] as const
/** An HTTP contender's letter. */
export type Contender = (typeof CONTENDERS)[number]

/**
 * The fair hand-written contender, which the targets compare (a) and (s) with on every framework: (e), the
 * same status, headers and body as (a), written by hand through the framework's usual path (`res.end` on
 * Express, `ctx.body` on Koa, `reply.send` on Fastify). (b) answers less (two headers, a 38-byte body) and
 * is compared with too, at a lower bar.
 */
export const FAIR: Contender = 'e'

/** What each contender throws and how it is answered. */
export const LABELS: Record<Contender, string> = {
  a: 'esign-errors errorHandler, SignError(22)',
  a2: 'the same as (a), a second server (A/A control)',
  b: 'hand-written handler, Error subclass, framework JSON',
  e: 'hand-written handler, same status, headers and body as (a)',
  c: 'http-errors createError(401) + handler',
  p: '(a) asked for application/problem+json',
  q: 'hand-written problem+json, same headers and body as (p)',
  s: "(a) with SignError.stackTraces = 'server-errors'",
  t: '(e) with the route throwing SignError(22) instead of its own error class',
  n: "(r) reading of the request only what (e) reads: format 'json', no translations, no request id but Fastify's",
  r: "createResponder() (log: false), its answer written as (e) writes its own; the route's SignError(22)",
}

/**
 * The steps from (e) to (a), run with `--ladder`: each changes one thing, so that the product of the ratios
 * is (a)/(e) and each says what that one thing costs: our error class instead of a hand-written one, our
 * response builder instead of a hand-built body (first reading of the request only what (e) reads, then
 * negotiating and looking for a request id as (a) does), and the adapter's own work around it (the checks
 * for a started answer, replaced headers and the reason phrase, logging and tracing).
 */
export const LADDER: readonly { top: Contender; bottom: Contender; step: string }[] = [
  { top: 't', bottom: 'e', step: 'our error class, the same hand-written handler' },
  {
    top: 'n',
    bottom: 't',
    step: 'our response builder, reading of the request what (e) reads, written as by hand',
  },
  {
    top: 'r',
    bottom: 'n',
    step: "the builder's reads of the request: Accept, Accept-Language, the request id",
  },
  { top: 'a', bottom: 'r', step: "the adapter's checks, logging and tracing" },
]

/** The status every response of every contender must have: each one answers the route's 401. */
export const EXPECTED_STATUS = 401

/** A piece every response body of a contender must contain. */
export function expectedBody(contender: Contender): string {
  return contender === 'c' ? '"code":401' : '"code":22'
}

/** Request headers a contender is loaded with: (p) and (q) ask for problem+json, as a client of RFC 9457 would. */
export function requestHeaders(contender: Contender): Record<string, string> {
  return contender === 'p' || contender === 'q' ? { accept: 'application/problem+json' } : {}
}

/** The one route every server answers. */
export const ROUTE = '/login'

/** The smallest error a service would write by hand: a code and a message, nothing else. */
export class AppError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}
