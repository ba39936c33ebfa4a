import { settled } from '../core/foreign.js'

/** The parts of a request the response builder reads: Node's `IncomingMessage`, Express's `req` and Koa's `ctx` all fit. */
export interface RequestLike {
  readonly method?: string | undefined
  readonly url?: string | undefined
  readonly originalUrl?: string | undefined
  readonly headers?: Readonly<Record<string, string | string[] | undefined>> | undefined
  /** A request id set by an earlier middleware (pino-http, express-request-id). */
  readonly id?: unknown
  /** Koa's `ctx.req`, where koa-pino-logger and pino-http put their id. */
  readonly req?: unknown
}

const REQUEST_ID = /^[A-Za-z0-9._~:/+=@-]{1,128}$/
// A path: one slash, then visible ASCII. `//host/doc` is left out, as a network-path reference to another host.
const INSTANCE = /^\/(?!\/)[\x21-\x7e]{0,2047}$/

/**
 * Remembers what a function of one header value returned: clients send the same `Accept` and
 * `Accept-Language` on every request, and negotiating costs microseconds. At most 64 values, then it
 * starts over, so a client that varies its headers costs one Map store more per request, and no memory.
 */
export function memo<T>(fn: (value: string) => T): (value: string) => T {
  const seen = new Map<string, T>()
  return (value) => {
    const known = seen.get(value)
    if (known !== undefined || seen.has(value)) return known as T
    const result = fn(value)
    if (seen.size >= 64) seen.clear()
    seen.set(value, result)
    return result
  }
}

/** A request header, read as an own property: a value on `Object.prototype` is not the request's. */
export function ownHeader(headers: RequestLike['headers'], name: string): unknown {
  return headers != null && Object.hasOwn(headers, name) ? headers[name] : undefined
}

export function findRequestId<Req>(
  req: Req | undefined,
  read: ((req: Req) => string | undefined) | undefined,
): string | undefined {
  if (req === undefined || req === null) return undefined
  try {
    if (read) return wellFormedId(settled(read(req)))
    const request = req as RequestLike
    const id = request.id ?? (request.req as { id?: unknown } | null | undefined)?.id
    if (id !== undefined) return wellFormedId(typeof id === 'number' ? String(id) : id)
    return wellFormedId(ownHeader(request.headers, 'x-request-id'))
  } catch {
    return undefined
  }
}

function wellFormedId(value: unknown): string | undefined {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined
}

/** The problem's `,"instance":"/path"` member, or `''` when the request has no usable path. */
export function instanceMember(req: RequestLike | undefined): string {
  const url = req?.originalUrl ?? req?.url
  if (typeof url !== 'string') return ''
  const query = url.indexOf('?')
  return instanceOfPath(query === -1 ? url : url.slice(0, query))
}

const instanceOfPath = memo((path: string): string =>
  INSTANCE.test(path) ? `,"instance":${JSON.stringify(path)}` : '',
)
