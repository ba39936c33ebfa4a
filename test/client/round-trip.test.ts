/**
 * What the server throws is what the client catches: every catalog code, with random options, thrown through
 * real Express 5, Koa 3 and Fastify 5 apps, answered as the envelope or as problem+json, fetched over a socket
 * and read back with readError. The expected values come from what the test threw and the catalog, never from
 * the client.
 */
import type { AddressInfo } from 'node:net'
import type { SignErrorOptions } from 'esign-errors'
import { catalog, SignError } from 'esign-errors'
import { readError } from 'esign-errors/client'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AppKind, buildApp, closeServers, serve } from '../helpers/apps.js'

// Random runs per adapter, on top of one run per catalog code; a local hunt can raise it.
const RUNS = Number(process.env.ESIGN_ROUND_TRIP_RUNS ?? 100)

type RetryAfterDesc = { seconds: number } | { inMs: number }

interface OptionsDesc {
  status?: number
  message?: string
  details?: fc.JsonValue
  expose?: boolean
  retryable?: boolean
  retryAfter?: RetryAfterDesc
}

const optionsArb: fc.Arbitrary<OptionsDesc> = fc.record(
  {
    // The Fetch standard makes a 407 a network error (a proxy's business, never the page's): fetch cannot
    // show one to any reader, in browsers as in Node.
    status: fc.integer({ min: 400, max: 599 }).filter((status) => status !== 407),
    message: fc.string({ maxLength: 80, unit: 'grapheme' }),
    details: fc.jsonValue({ maxDepth: 2 }),
    expose: fc.boolean(),
    retryable: fc.boolean(),
    retryAfter: fc.oneof(
      fc.integer({ min: -5, max: 10_000_000 }).map((seconds) => ({ seconds })),
      fc.double({ min: 0, max: 1000, noNaN: true }).map((seconds) => ({ seconds })),
      // Far enough ahead that the date is still in the future when the answer is built.
      fc.integer({ min: 5_000, max: 1_000_000_000 }).map((inMs) => ({ inMs })),
    ),
  },
  { requiredKeys: [] },
)

const idArb = fc.option(fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/), { nil: undefined })
const errorEntries = catalog.filter((entry) => entry.code !== 0)
const codeArb = fc.constantFrom(...errorEntries.map((entry) => entry.code))

// One example per code, each with its own random options, so every code is thrown on every adapter.
const sampled = fc.sample(fc.tuple(optionsArb, fc.boolean(), idArb), {
  numRuns: errorEntries.length,
  seed: 16,
})
const examples = errorEntries.map((entry, i) => {
  const [options, problem, id] = sampled[i]!
  return [entry.code, options, problem, id] as [number, OptionsDesc, boolean, string | undefined]
})

const KINDS = ['express5', 'koa3', 'fastify5'] as const satisfies readonly AppKind[]
const bases: Partial<Record<AppKind, string>> = {}
// The apps throw whatever this holds; requests are made one at a time.
let thrown: unknown

beforeAll(async () => {
  for (const kind of KINDS) {
    const server = await serve(buildApp(kind, () => thrown))
    bases[kind] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
})
afterAll(closeServers)

let request = 0

describe.each(KINDS)('through %s', (kind) => {
  const thrownCodes = new Set<number>()
  it(`readError gives back what was thrown, for every code (${errorEntries.length} + ${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(codeArb, optionsArb, fc.boolean(), idArb, async (code, desc, problem, id) => {
        const entry = errorEntries.find((candidate) => candidate.code === code)!
        const options: SignErrorOptions = {}
        if (desc.status !== undefined) options.status = desc.status
        if (desc.message !== undefined) options.message = desc.message
        if (desc.details !== undefined) options.details = desc.details
        if (desc.expose !== undefined) options.expose = desc.expose
        if (desc.retryable !== undefined) options.retryable = desc.retryable
        let retryAt: number | undefined
        if (desc.retryAfter && 'seconds' in desc.retryAfter) options.retryAfter = desc.retryAfter.seconds
        if (desc.retryAfter && 'inMs' in desc.retryAfter) {
          retryAt = Date.now() + desc.retryAfter.inMs
          options.retryAfter = new Date(retryAt)
        }
        thrownCodes.add(code)
        thrown = new SignError(code as 1, options)

        const path = `/r/${++request}`
        const headers: Record<string, string> = {
          accept: problem ? 'application/problem+json' : 'application/json',
        }
        if (id !== undefined) headers['x-request-id'] = id
        const sentAt = Date.now()
        const response = await fetch(`${bases[kind]}${path}`, { headers })
        const error = await readError(response, { maxRetryAfterMs: Number.POSITIVE_INFINITY })
        const readAt = Date.now()

        const status = desc.status ?? entry.status
        const exposed = status < 500 && desc.expose !== false
        expect(error).toBeDefined()
        expect({
          code: error?.code,
          codeName: error?.codeName,
          status: error?.status,
          message: error?.message,
          retryable: error?.retryable,
          requestId: error?.requestId,
          details: error?.details,
          format: error?.format,
          type: error?.type,
          instance: error?.instance,
        }).toEqual({
          code,
          codeName: entry.name,
          status,
          message: exposed ? (desc.message ?? entry.message) : entry.message,
          retryable: desc.retryable ?? entry.retryable,
          requestId: id,
          // JSON has no -0 nor undefined members: what the wire can carry of the details.
          details:
            exposed && desc.details !== undefined ? JSON.parse(JSON.stringify(desc.details)) : undefined,
          format: problem ? 'problem' : 'envelope',
          type: problem ? 'about:blank' : undefined,
          instance: problem ? path : undefined,
        })
        expect(error?.response).toBe(response)

        const waited = error?.retryAfterMs
        if (desc.retryAfter === undefined) expect(waited).toBeUndefined()
        else if ('seconds' in desc.retryAfter) {
          // Whole seconds on the wire, rounded up; a negative delay is "now"; never past what a timer can wait.
          expect(waited).toBe(Math.min(Math.max(0, Math.ceil(desc.retryAfter.seconds)) * 1000, 2 ** 31 - 1))
        } else {
          // An HTTP-date holds whole seconds: the wait is what is left of that second when the answer is read.
          const at = retryAt as number
          expect(waited).toBeLessThanOrEqual(at - sentAt)
          expect(waited).toBeGreaterThan(at - 1000 - readAt)
        }
      }),
      { numRuns: RUNS + examples.length, examples },
    )
    expect(thrownCodes.size).toBe(errorEntries.length)
  }, 60_000)
})
