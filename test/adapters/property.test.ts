import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Ajv } from 'ajv'
import type { SignErrorOptions } from 'esign-errors'
import { Codes, describe as describeCode, SignError } from 'esign-errors'
import { errorHandler as expressErrorHandler, notFound as expressNotFound } from 'esign-errors/express'
import { errorHandler as fastifyErrorHandler, notFound as fastifyNotFound } from 'esign-errors/fastify'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express from 'express'
import fc from 'fast-check'
import createError from 'http-errors'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fastifyListener } from '../helpers/apps.js'
import { envelopeSchema, problemSchema } from './schemas.js'

// Runs per adapter; CI keeps the default, a local hunt can raise it.
const RUNS = Number(process.env.ESIGN_PROPERTY_RUNS ?? 2000)

// ---------------------------------------------------------------------------------------------------
// Descriptions of thrown values. The arbitraries produce plain data only (so fast-check can print and
// shrink them safely); the hostile values themselves are built from it right before the request.
// ---------------------------------------------------------------------------------------------------

/** A string: literal, the planted secret, or a huge one that starts with the secret. */
type Text = string | { secret: true } | { huge: number }

type HostileDate = 'proxy' | 'fake-date' | 'date-crlf' | 'date-throws'
type RetryAfterDesc = { value: unknown } | { inMs: number } | { hostile: HostileDate }
type HeaderValueDesc = { value: unknown } | { secret: true }
type HeadersDesc = [name: string, value: HeaderValueDesc][]
type DetailsDesc = { value: unknown } | { secret: true } | { special: 'circular' | 'bigint' | 'bad-to-json' }

interface ForeignProps {
  status?: unknown
  statusCode?: unknown
  message?: Text
  expose?: unknown
  headers?: HeadersDesc
  retryAfter?: RetryAfterDesc
  type?: string
  code?: unknown
  name?: string
  cause?: Text
  issues?: unknown[]
  details?: Text
}

interface SignOptionsDesc {
  status?: number
  message?: Text
  details?: DetailsDesc
  expose?: boolean
  headers?: HeadersDesc
  retryAfter?: RetryAfterDesc
  retryable?: boolean
  cause?: Text
}

interface SignDesc {
  code: number
  options: SignOptionsDesc
}

const GETTER_KEYS = [
  'status',
  'statusCode',
  'message',
  'headers',
  'expose',
  'code',
  'constructor',
  'toJSON',
  'type',
  'name',
  'retryAfter',
  'cause',
  'details',
  'retryable',
] as const
const TRAPS = ['get', 'has', 'ownKeys', 'getPrototypeOf', 'getOwnPropertyDescriptor', 'apply'] as const

type ThrownDesc =
  | { kind: 'anything'; value: unknown }
  | { kind: 'string'; text: Text }
  | {
      kind: 'error'
      ctor: 'Error' | 'TypeError' | 'SyntaxError' | 'RangeError'
      message: Text
      props: ForeignProps
    }
  | { kind: 'object'; nullProto: boolean; props: ForeignProps }
  | { kind: 'http'; status: number; message: Text; headers?: HeadersDesc; expose?: boolean }
  | { kind: 'sign'; sign: SignDesc }
  | {
      kind: 'getters'
      base: 'object' | 'error' | 'http' | 'sign'
      keys: (typeof GETTER_KEYS)[number][]
      props: ForeignProps
      sign: SignDesc
    }
  | {
      kind: 'proxy'
      target: 'object' | 'error' | 'http' | 'sign' | 'function' | 'array'
      traps: (typeof TRAPS)[number][]
      throwsOn: 'every-key' | 'some-keys'
      sign: SignDesc
    }
  | { kind: 'circular'; props: ForeignProps; links: ('self' | 'cause' | 'headers' | 'details' | 'status')[] }

const secretArb = fc
  .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 })
  .map((hex) => `SECRET-${hex}`)

const textArb: fc.Arbitrary<Text> = fc.oneof(
  { arbitrary: fc.constant({ secret: true as const }), weight: 12 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.constantFrom('\ud800', 'a\udc00b', '\u0000', '"\\', '\u2028', '</script>'), weight: 1 },
  {
    arbitrary: fc.oneof(fc.integer({ min: 1000, max: 5000 }), fc.constant(1 << 20)).map((huge) => ({ huge })),
    weight: 1,
  },
)

const statusArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 400, max: 599 }),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 200, 399, 600, 400.5, 599.0000001, 1e21, 2 ** 53 + 2),
  fc.double(),
  fc.integer(),
  fc.integer({ min: 400, max: 599 }).map(String),
  fc.string({ maxLength: 8 }),
  fc.bigInt({ min: 300n, max: 700n }),
  fc.constantFrom(null, undefined, true, false, [500], { valueOf: () => 500 }, Object(503)),
  fc.object({ maxDepth: 1 }),
)

const retryAfterArb: fc.Arbitrary<RetryAfterDesc> = fc.oneof(
  fc
    .oneof(
      fc.double(),
      fc.integer({ min: -1000, max: 1_000_000 }),
      fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, -5, '30', '', null, true),
      fc.string({ maxLength: 12 }),
      fc.bigInt(),
      fc.date({ noInvalidDate: false }),
    )
    .map((value) => ({ value })),
  fc.integer({ min: -1e10, max: 1e10 }).map((inMs) => ({ inMs })),
  fc
    .constantFrom<HostileDate>('proxy', 'fake-date', 'date-crlf', 'date-throws')
    .map((hostile) => ({ hostile })),
)

const headerNameArb = fc.oneof(
  fc.constantFrom(
    'Retry-After',
    'retry-after',
    'X-Trace',
    'WWW-Authenticate',
    'Vary',
    'Link',
    'bad name',
    '',
    'é',
    '漢',
    'Content-Type',
    'Set-Cookie',
    'X-Request-Id',
    'Content-Length',
    'constructor',
    'X-Bad\r\nX-Injected',
  ),
  fc.string({ maxLength: 12 }),
)

const headerValueArb = (withSecret: boolean): fc.Arbitrary<HeaderValueDesc> =>
  fc.oneof(
    { arbitrary: fc.string({ maxLength: 30 }).map((value) => ({ value })), weight: 3 },
    {
      arbitrary: fc
        .constantFrom('ok\r\nX-Injected: 1', 'ok\nX-Injected: 1', '\r\n', 'é', '漢', 'x'.repeat(10_000), ' ')
        .map((value) => ({ value })),
      weight: 2,
    },
    {
      arbitrary: fc
        .oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.object({ maxDepth: 1 }))
        .map((value) => ({ value })),
      weight: 1,
    },
    { arbitrary: fc.constant({ secret: true as const }), weight: withSecret ? 3 : 0 },
  )

const headersArb = (withSecret: boolean): fc.Arbitrary<HeadersDesc> =>
  fc.array(fc.tuple(headerNameArb, headerValueArb(withSecret)), { maxLength: 4 })

const detailsArb: fc.Arbitrary<DetailsDesc> = fc.oneof(
  fc.anything({ maxDepth: 2 }).map((value) => ({ value })),
  fc.constant({ secret: true as const }),
  fc.constantFrom('circular', 'bigint', 'bad-to-json').map((special) => ({ special }) as DetailsDesc),
)

const foreignPropsArb: fc.Arbitrary<ForeignProps> = fc.record(
  {
    status: statusArb,
    statusCode: statusArb,
    message: textArb,
    expose: fc.constantFrom(true, false, 'true', 1),
    headers: headersArb(true),
    retryAfter: retryAfterArb,
    type: fc.constantFrom(
      'entity.parse.failed',
      'entity.too.large',
      'request.size.invalid',
      'encoding.unsupported',
      'charset.unsupported',
      'toString',
      '__proto__',
      'x',
    ),
    code: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant('ECONNRESET')),
    name: fc.constantFrom('ZodError', 'SyntaxError', 'HttpError', 'SignError', 'Error'),
    cause: textArb,
    issues: fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
    details: textArb,
  },
  { requiredKeys: [] },
)

const knownCodes = Object.values(Codes).filter((code) => code !== 0)

const signArb: fc.Arbitrary<SignDesc> = fc.record({
  code: fc.oneof(
    fc.constantFrom(...knownCodes),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }).filter((code) => code !== 0),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 32, 48, 51, 9999),
  ),
  options: fc.record(
    {
      status: fc.integer({ min: 400, max: 599 }),
      message: textArb,
      details: detailsArb,
      expose: fc.boolean(),
      headers: headersArb(false),
      retryAfter: retryAfterArb,
      retryable: fc.boolean(),
      cause: textArb,
    },
    { requiredKeys: [] },
  ),
})

// Express reads a thrown 'route' or 'router' as routing control, not as an error: left out on purpose.
const isRoutingWord = (value: unknown) => value === 'route' || value === 'router'

const thrownArb: fc.Arbitrary<ThrownDesc> = fc
  .oneof(
    fc
      .anything({
        maxDepth: 2,
        withBigInt: true,
        withDate: true,
        withMap: true,
        withSet: true,
        withNullPrototype: true,
        withTypedArray: true,
        withSparseArray: true,
        withBoxedValues: true,
        withObjectString: true,
      })
      .map((value) => ({ kind: 'anything' as const, value })),
    textArb.map((text) => ({ kind: 'string' as const, text })),
    fc.record({
      kind: fc.constant('error' as const),
      ctor: fc.constantFrom(
        'Error' as const,
        'TypeError' as const,
        'SyntaxError' as const,
        'RangeError' as const,
      ),
      message: textArb,
      props: foreignPropsArb,
    }),
    fc.record({ kind: fc.constant('object' as const), nullProto: fc.boolean(), props: foreignPropsArb }),
    fc.record(
      {
        kind: fc.constant('http' as const),
        status: fc.integer({ min: 400, max: 599 }),
        message: textArb,
        headers: headersArb(true),
        expose: fc.boolean(),
      },
      { requiredKeys: ['kind', 'status', 'message'] },
    ),
    fc.record({ kind: fc.constant('sign' as const), sign: signArb }),
    fc.record({ kind: fc.constant('sign' as const), sign: signArb }),
    fc.record({
      kind: fc.constant('getters' as const),
      base: fc.constantFrom('object' as const, 'error' as const, 'http' as const, 'sign' as const),
      keys: fc.subarray([...GETTER_KEYS], { minLength: 1 }),
      props: foreignPropsArb,
      sign: signArb,
    }),
    fc.record({
      kind: fc.constant('proxy' as const),
      target: fc.constantFrom(
        'object' as const,
        'error' as const,
        'http' as const,
        'sign' as const,
        'function' as const,
        'array' as const,
      ),
      traps: fc.subarray([...TRAPS], { minLength: 1 }),
      throwsOn: fc.constantFrom('every-key' as const, 'some-keys' as const),
      sign: signArb,
    }),
    fc.record({
      kind: fc.constant('circular' as const),
      props: foreignPropsArb,
      links: fc.subarray(['self', 'cause', 'headers', 'details', 'status'] as (
        | 'self'
        | 'cause'
        | 'headers'
        | 'details'
        | 'status'
      )[]),
    }),
  )
  .filter(
    (desc) =>
      !(desc.kind === 'anything' && isRoutingWord(desc.value)) &&
      !(desc.kind === 'string' && isRoutingWord(desc.text)),
  )

// ---------------------------------------------------------------------------------------------------
// Building the values.
// ---------------------------------------------------------------------------------------------------

/** What the test knows about a value it built, for the exact parts of the model. */
interface Built {
  value: unknown
  /** Set when the value is (or wraps) a SignError built from `sign`. */
  sign?: SignDesc
  /** The SignError was built and left alone: its status, code and message are exactly predictable. */
  pristine: boolean
  /** `new SignError()` refused the options; the route throws the constructor's error instead. */
  constructionFailed: boolean
}

function text(t: Text, secret: string): string {
  if (typeof t === 'string') return t
  return 'secret' in t ? secret : `${secret}${'x'.repeat(t.huge)}`
}

function hostileDate(kind: HostileDate, secret: string): unknown {
  const future = new Date(Date.now() + 3_600_000)
  switch (kind) {
    case 'proxy':
      return new Proxy(
        {},
        {
          getPrototypeOf() {
            throw new Error(secret)
          },
          get() {
            throw new Error(secret)
          },
        },
      )
    case 'fake-date':
      return Object.create(Date.prototype)
    case 'date-crlf':
      return Object.assign(future, { toUTCString: () => 'Thu, 01 Jan 2099 00:00:00 GMT\r\nX-Injected: 1' })
    case 'date-throws':
      return Object.assign(future, {
        toUTCString: () => {
          throw new Error(secret)
        },
      })
  }
}

function retryAfter(desc: RetryAfterDesc, secret: string): unknown {
  if ('value' in desc) return desc.value
  if ('inMs' in desc) return new Date(Date.now() + desc.inMs)
  return hostileDate(desc.hostile, secret)
}

function headers(desc: HeadersDesc, secret: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of desc) out[name] = 'secret' in value ? secret : value.value
  return out
}

function details(desc: DetailsDesc, secret: string): unknown {
  if ('value' in desc) return desc.value
  if ('secret' in desc) return { note: secret }
  switch (desc.special) {
    case 'circular': {
      const loop: Record<string, unknown> = { note: secret }
      loop.self = loop
      return loop
    }
    case 'bigint':
      return { amount: 10n, note: secret }
    case 'bad-to-json':
      return {
        toJSON() {
          throw new Error(secret)
        },
      }
  }
}

function applyProps(target: object, props: ForeignProps, secret: string): void {
  const out = target as Record<string, unknown>
  if ('status' in props) out.status = props.status
  if ('statusCode' in props) out.statusCode = props.statusCode
  if (props.message !== undefined) out.message = text(props.message, secret)
  if ('expose' in props) out.expose = props.expose
  if (props.headers) out.headers = headers(props.headers, secret)
  if (props.retryAfter) out.retryAfter = retryAfter(props.retryAfter, secret)
  if (props.type !== undefined) out.type = props.type
  if ('code' in props) out.code = props.code
  if (props.name !== undefined) out.name = props.name
  if (props.cause !== undefined) out.cause = new Error(text(props.cause, secret))
  if (props.issues) out.issues = props.issues
  if (props.details !== undefined) out.details = text(props.details, secret)
}

/** Builds the SignError, or returns what its constructor threw (that is then the thrown value). */
function signError(desc: SignDesc, secret: string): { value: unknown; failed: boolean } {
  const { options } = desc
  const built: Record<string, unknown> = {}
  if (options.status !== undefined) built.status = options.status
  if (options.message !== undefined) built.message = text(options.message, secret)
  if (options.details !== undefined) built.details = details(options.details, secret)
  if (options.expose !== undefined) built.expose = options.expose
  if (options.headers !== undefined) built.headers = headers(options.headers, secret)
  if (options.retryAfter !== undefined) built.retryAfter = retryAfter(options.retryAfter, secret)
  if (options.retryable !== undefined) built.retryable = options.retryable
  if (options.cause !== undefined) built.cause = new Error(text(options.cause, secret))
  try {
    return { value: new SignError(desc.code, built as SignErrorOptions), failed: false }
  } catch (error) {
    return { value: error, failed: true }
  }
}

function throwingGetter(target: object, key: string, secret: string): void {
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: true,
    get() {
      throw new Error(secret)
    },
  })
}

function build(desc: ThrownDesc, secret: string): Built {
  const plain = { pristine: false, constructionFailed: false }
  switch (desc.kind) {
    case 'anything':
      return { ...plain, value: desc.value }
    case 'string':
      return { ...plain, value: text(desc.text, secret) }
    case 'error': {
      const Ctor = { Error, TypeError, SyntaxError, RangeError }[desc.ctor]
      const error = new Ctor(text(desc.message, secret))
      applyProps(error, desc.props, secret)
      return { ...plain, value: error }
    }
    case 'object': {
      const object = desc.nullProto ? Object.create(null) : {}
      applyProps(object, desc.props, secret)
      return { ...plain, value: object }
    }
    case 'http': {
      const props: Record<string, unknown> = {}
      if (desc.headers) props.headers = headers(desc.headers, secret)
      if (desc.expose !== undefined) props.expose = desc.expose
      return { ...plain, value: createError(desc.status, text(desc.message, secret), props) }
    }
    case 'sign': {
      const { value, failed } = signError(desc.sign, secret)
      return { value, sign: desc.sign, pristine: !failed, constructionFailed: failed }
    }
    case 'getters': {
      let target: object
      let sign: SignDesc | undefined
      if (desc.base === 'sign') {
        const built = signError(desc.sign, secret)
        if (built.failed) return { value: built.value, pristine: false, constructionFailed: true }
        target = built.value as object
        sign = desc.sign
      } else {
        target =
          desc.base === 'object' ? {} : desc.base === 'error' ? new Error(secret) : createError(500, secret)
        applyProps(target, desc.props, secret)
      }
      for (const key of desc.keys) throwingGetter(target, key, secret)
      return sign ? { ...plain, value: target, sign } : { ...plain, value: target }
    }
    case 'proxy': {
      let target: object
      let sign: SignDesc | undefined
      switch (desc.target) {
        case 'object':
          target = { status: 500, message: secret }
          break
        case 'error':
          target = Object.assign(new Error(secret), { status: 503, expose: true })
          break
        case 'http':
          target = createError(502, secret)
          break
        case 'function':
          target = Object.assign(() => secret, { status: 500, message: secret })
          break
        case 'array':
          target = [secret]
          break
        case 'sign': {
          const built = signError(desc.sign, secret)
          if (built.failed) return { value: built.value, pristine: false, constructionFailed: true }
          target = built.value as object
          sign = desc.sign
        }
      }
      const handler: ProxyHandler<object> = {}
      for (const trap of desc.traps) {
        if (trap === 'get' && desc.throwsOn === 'some-keys') {
          handler.get = (object, key, receiver) => {
            if (key === 'status' || key === 'message' || key === 'headers' || key === 'retryAfter') {
              throw new Error(secret)
            }
            return Reflect.get(object, key, receiver)
          }
        } else {
          ;(handler as Record<string, unknown>)[trap] = () => {
            throw secret
          }
        }
      }
      const value = new Proxy(target, handler)
      return sign ? { ...plain, value, sign } : { ...plain, value }
    }
    case 'circular': {
      const object: Record<string, unknown> = {}
      applyProps(object, desc.props, secret)
      for (const link of desc.links) object[link] = object
      return { ...plain, value: object }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The model: what must hold for every response, and what is exactly known for some values.
// ---------------------------------------------------------------------------------------------------

// DESIGN's fallback table, written out here so the test does not read it from the code.
const FALLBACK: Record<number, number> = {
  400: 1,
  422: 1,
  401: 5,
  403: 44,
  404: 7,
  405: 7,
  501: 7,
  413: 93,
  415: 3,
  429: 89,
  503: 89,
}
const fallbackFor = (status: number) => FALLBACK[status] ?? (status < 500 ? 1 : 4)

const ajv = new Ajv({ strict: true, allErrors: true })
const validEnvelope = ajv.compile(envelopeSchema)
const validProblem = ajv.compile(problemSchema)

interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  rawHeaders: string[]
  body: string
}

interface Body {
  code: number
  name: string
  status: number
  message?: string
  detail?: string
}

function checkReply(
  reply: Reply,
  built: Built,
  desc: ThrownDesc,
  secret: string,
  problem: boolean,
  adapter: Adapter,
): void {
  expect(reply.status).toBeGreaterThanOrEqual(400)
  expect(reply.status).toBeLessThanOrEqual(599)
  expect(reply.headers['content-type']).toBe(
    problem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8',
  )
  const names = reply.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase())
  expect(names).not.toContain('x-injected')
  expect(names).not.toContain('set-cookie')

  const parsed: unknown = JSON.parse(reply.body)
  const validate = problem ? validProblem : validEnvelope
  if (!validate(parsed)) throw new Error(`body does not match the schema: ${ajv.errorsText(validate.errors)}`)
  const body = parsed as Body
  expect(body.status).toBe(reply.status)
  const message = problem ? body.detail : body.message

  // Masking: at >= 500 nothing planted gets out, whatever the error says of itself (`expose: true` included).
  const headerText = reply.rawHeaders.join('\n')
  if (reply.status >= 500) {
    expect(reply.body).not.toContain(secret)
    expect(headerText).not.toContain(secret)
  }
  if (built.sign?.options.expose === false) expect(reply.body).not.toContain(secret)

  if (built.constructionFailed) {
    expect([reply.status, body.code]).toEqual([500, 4])
  } else if (built.pristine && built.sign) {
    const { code, options } = built.sign
    const entry = describeCode(code)
    const status = options.status ?? entry?.status ?? 502
    expect([reply.status, body.code, body.name]).toEqual([status, code, entry?.name ?? 'UnknownCode'])
    const exposed = status < 500 && (options.expose ?? true)
    const sent =
      options.message === undefined
        ? (entry?.message ?? `Unknown return code ${code}`)
        : text(options.message, secret)
    if (exposed) expectClipped(message, sent)
    else if (entry) expect(message).toBe(entry.message)
  } else if (desc.kind === 'string') {
    // Express's router reads a falsy thrown value as "no error" and moves on, here to notFound().
    const falsy = adapter === 'express' && text(desc.text, secret) === ''
    expect([reply.status, body.code]).toEqual(falsy ? [404, 7] : [500, 4])
  } else if (desc.kind === 'http') {
    expect([reply.status, body.code]).toEqual([desc.status, fallbackFor(desc.status)])
    if (desc.status >= 500) expect(message).toBe(describeCode(fallbackFor(desc.status))?.message)
  }
}

// Ids made of letters, digits and dashes are well-formed by any reading of the contract; other printable
// ASCII may or may not be, but is never sent back altered. Node trims header values, hence no outer spaces.
const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/
const requestIdArb = fc.option(
  fc.oneof(
    fc.stringMatching(SAFE_ID),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 300 }).filter((id) => id.trim() === id),
  ),
  { nil: undefined },
)

function checkRequestId(reply: Reply, id: string | undefined): void {
  const body = JSON.parse(reply.body) as { requestId?: unknown }
  const echoed = reply.headers['x-request-id']
  if (id === undefined) expect([echoed, body.requestId]).toEqual([undefined, undefined])
  else if (SAFE_ID.test(id)) expect([echoed, body.requestId]).toEqual([id, id])
  else
    expect([
      [undefined, undefined],
      [id, id],
    ]).toContainEqual([echoed, body.requestId])
}

/** A message sent as is, or cut short when it is long (the whole of it stays in the log). */
function expectClipped(actual: string | undefined, sent: string): void {
  if (sent.length <= 1024) {
    expect(actual).toBe(sent)
  } else {
    expect(typeof actual).toBe('string')
    const shown = actual as string
    expect(shown.length).toBeLessThanOrEqual(1024)
    expect(shown).not.toBe(sent)
    expect(sent.startsWith(shown.slice(0, -1))).toBe(true)
  }
}

// ---------------------------------------------------------------------------------------------------
// The servers: the route throws whatever value the request's key names.
// ---------------------------------------------------------------------------------------------------

const pending = new Map<number, unknown>()
let nextKey = 0
const take = (key: number): unknown => {
  const value = pending.get(key)
  pending.delete(key)
  return value
}

let logged = 0
const log = () => {
  logged++
}

function expressApp(): express.Express {
  const app = express()
  app.get('/t/:key', (req) => {
    throw take(Number(req.params.key))
  })
  app.use(expressNotFound())
  app.use(expressErrorHandler({ log }))
  return app
}

function koaApp(): Koa {
  const app = new Koa()
  // Koa logs >= 500 through its 'error' event; a listener of our own keeps the run quiet.
  app.on('error', () => {})
  app.use(koaErrorHandler({ log }))
  app.use((ctx) => {
    const match = /^\/t\/(\d+)$/.exec(ctx.path)
    if (!match) return
    throw take(Number(match[1]))
  })
  return app
}

function fastifyApp(): http.RequestListener {
  return fastifyListener((app) => {
    app.setErrorHandler(fastifyErrorHandler({ log }))
    app.setNotFoundHandler(fastifyNotFound())
    app.get<{ Params: { key: string } }>('/t/:key', async (request) => {
      throw take(Number(request.params.key))
    })
  })
}

type Adapter = 'express' | 'koa' | 'fastify'
const ADAPTERS: readonly Adapter[] = ['express', 'koa', 'fastify']

const servers: http.Server[] = []
const ports: Record<Adapter, number> = { express: 0, koa: 0, fastify: 0 }
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 })
const faults: unknown[] = []
const onFault = (fault: unknown) => {
  faults.push(fault)
}

async function listen(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function get(port: number, path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no response to ${path} within 10 s`)))
    req.on('error', reject)
  })
}

beforeAll(async () => {
  process.on('unhandledRejection', onFault)
  process.on('uncaughtException', onFault)
  ports.express = await listen(expressApp())
  ports.koa = await listen(koaApp().callback())
  ports.fastify = await listen(fastifyApp())
})

afterAll(async () => {
  process.off('unhandledRejection', onFault)
  process.off('uncaughtException', onFault)
  agent.destroy()
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
})

describe.each(ADAPTERS)('any thrown value through %s', (adapter) => {
  it(`answers with a well-formed, masked error (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        secretArb,
        thrownArb,
        fc.boolean(),
        requestIdArb,
        async (secret, desc, problem, id) => {
          const built = build(desc, secret)
          const key = nextKey++
          pending.set(key, built.value)
          const before = logged
          const headers: Record<string, string> = {
            accept: problem ? 'application/problem+json' : 'application/json',
          }
          if (id !== undefined) headers['x-request-id'] = id
          const reply = await get(ports[adapter], `/t/${key}`, headers)
          pending.delete(key)
          checkReply(reply, built, desc, secret, problem, adapter)
          checkRequestId(reply, id)
          expect(logged - before).toBe(1)
          expect(faults).toEqual([])
        },
      ),
      { numRuns: RUNS },
    )
  }, 600_000)
})

// A value may carry the SignError brand without being one: the brand is a global symbol, so any copy of
// any module can set it. Whatever such a value holds, the answer must stay within the contract.
describe.each(ADAPTERS)('values that only claim to be a SignError, through %s', (adapter) => {
  const brand = Symbol.for('esign-errors.SignError')
  it.each([
    ['a BigInt code', { [brand]: true, code: 10n, status: 500 }],
    ['a string code', { [brand]: true, code: 'x', status: 500 }],
    ['a NaN code', { [brand]: true, code: NaN, status: 500 }],
  ])('with %s is answered 500 ProcessingFailed', async (_label, value) => {
    const key = nextKey++
    pending.set(key, value)
    const reply = await get(ports[adapter], `/t/${key}`, {})
    expect(reply.status).toBe(500)
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(reply.body).toBe(
      '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true}',
    )
  })
})
