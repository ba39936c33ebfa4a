/** Frameworks under test. */
export const FRAMEWORKS = ['express', 'koa'] as const
/** A framework under test. */
export type Framework = (typeof FRAMEWORKS)[number]

/** HTTP contenders, by letter. */
export const CONTENDERS = ['a', 'b', 'c', 'd'] as const
/** An HTTP contender's letter. */
export type Contender = (typeof CONTENDERS)[number]

/** What each contender throws and how it is answered. */
export const LABELS: Record<Contender, string> = {
  a: 'esign-errors errorHandler, SignError(22)',
  b: 'hand-written handler, Error subclass',
  c: 'http-errors createError(401) + handler',
  d: 'success path, success(data)',
}

/** The status every response of a contender must have. */
export const EXPECTED_STATUS: Record<Contender, number> = { a: 401, b: 401, c: 401, d: 200 }

/** A piece every response body of a contender must contain. */
export const EXPECTED_BODY: Record<Contender, string> = {
  a: '"code":22',
  b: '"code":22',
  c: '"code":401',
  d: '"code":0',
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
