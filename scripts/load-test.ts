/**
 * Load test of the error path, on loopback only: the Express demo app answers a mix of its error routes
 * for about 20 seconds; every answer is checked byte for byte and the heap is compared after forced GC.
 *
 *   npm run test:load      # LOAD_SECONDS and LOAD_CONNECTIONS override the defaults
 *
 * Exits non-zero if any answer is off, a request fails, or the heap grew by 10 MB or more.
 */

import type { IncomingHttpHeaders } from 'node:http'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import autocannon from 'autocannon'
import { createApp } from '../examples/express.js'

interface Route {
  label: string
  method: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
  status: number
  expected: string
}

// Expected answers written from the catalog by hand: the load test checks the code, it does not ask it.
const ROUTES: Route[] = [
  {
    label: 'POST /login (wrong password)',
    method: 'POST',
    path: '/login',
    headers: { 'content-type': 'application/json' },
    body: '{"password":"nope"}',
    status: 401,
    expected: '{"code":22,"name":"WrongPassword","message":"Wrong password","status":401,"retryable":false}',
  },
  {
    label: 'GET /documents/D-404',
    method: 'GET',
    path: '/documents/D-404',
    status: 404,
    expected:
      '{"code":41,"name":"DocumentNotFound","message":"Document does not exist","status":404,"retryable":false}',
  },
  {
    label: 'POST /documents (malformed JSON)',
    method: 'POST',
    path: '/documents',
    headers: { 'content-type': 'application/json' },
    body: '{"title":',
    status: 400,
    expected:
      '{"code":3,"name":"DataFormatError","message":"Data format error","status":400,"retryable":false}',
  },
  {
    label: 'POST /upload (2 KB over a 1 KB limit)',
    method: 'POST',
    path: '/upload',
    headers: { 'content-type': 'application/octet-stream' },
    body: 'x'.repeat(2048),
    status: 413,
    expected:
      '{"code":93,"name":"FileTooLarge","message":"Upload file size too big","status":413,"retryable":false}',
  },
  {
    label: 'GET /boom',
    method: 'GET',
    path: '/boom',
    status: 500,
    expected:
      '{"code":4,"name":"ProcessingFailed","message":"Processing failed","status":500,"retryable":true}',
  },
  {
    label: 'GET /nope',
    method: 'GET',
    path: '/nope',
    status: 404,
    expected: '{"code":7,"name":"InvalidRequestType","message":"Not Found","status":404,"retryable":false}',
  },
]

const SECONDS = Number(process.env.LOAD_SECONDS ?? 18)
const WARMUP_SECONDS = 2
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 10)
const MAX_HEAP_GROWTH_MB = 10

const gc = globalThis.gc
if (typeof gc !== 'function') {
  console.error('load-test: run with --expose-gc (npm run test:load does)')
  process.exit(2)
}

const counts = ROUTES.map(() => 0)
const offenders: string[] = []
let nonConforming = 0

function check(index: number, status: number, body: string, headers: IncomingHttpHeaders): void {
  const route = ROUTES[index] as Route
  counts[index] = (counts[index] ?? 0) + 1
  // autocannon keeps header names as the server wrote them.
  const header = (wanted: string) =>
    Object.entries(headers).find(([name]) => name.toLowerCase() === wanted)?.[1]
  const type = header('content-type')
  // pino-http numbers each request: the body carries that id, which X-Request-Id echoes.
  const id = header('x-request-id')
  const expected =
    typeof id === 'string'
      ? `${route.expected.slice(0, -1)},"requestId":${JSON.stringify(id)}}`
      : route.expected
  if (status === route.status && body === expected && type === 'application/json; charset=utf-8') return
  nonConforming++
  if (offenders.length < 5) offenders.push(`${route.label}: ${status} ${type} ${body.slice(0, 200)}`)
}

async function hammer(url: string, seconds: number): Promise<{ errors: number; timeouts: number }> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: ROUTES.map((route, index) => ({
      method: route.method,
      path: route.path,
      ...(route.headers ? { headers: route.headers } : {}),
      ...(route.body === undefined ? {} : { body: route.body }),
      onResponse: (
        status: number,
        body: string,
        _context: object,
        headers: IncomingHttpHeaders | undefined,
      ) => check(index, status, body, headers ?? {}),
    })),
  })
  return { errors: result.errors, timeouts: result.timeouts }
}

function heapMB(): number {
  // Twice: the first pass may only schedule finalizers that free more on the second.
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed / 1024 / 1024
}

// The demo's /boom logs every failure on console.error; counted, not printed, so the figures stay readable.
let consoleErrors = 0
console.error = () => {
  consoleErrors++
}

// The demo logs each request through pino-http; a null stream keeps the pino work and drops the output.
const server = http.createServer(createApp(new Writable({ write: (_chunk, _encoding, done) => done() })))
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

// The warm-up fills caches and compiles the hot path, so that growth measured later is growth per request.
const warmup = await hammer(url, WARMUP_SECONDS)
const before = heapMB()
counts.fill(0)
const boomWarmup = consoleErrors
const run = await hammer(url, SECONDS)
const after = heapMB()

server.closeAllConnections()
await new Promise((resolve) => server.close(resolve))

const total = counts.reduce((sum, count) => sum + count, 0)
const failed = warmup.errors + warmup.timeouts + run.errors + run.timeouts
const growth = after - before
const lines = [
  `load test: ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up, ${CONNECTIONS} connections, ${url}`,
  ...ROUTES.map((route, index) => `  ${route.label.padEnd(40)} ${counts[index]}`),
  `total responses:        ${total}`,
  `non-conforming:         ${nonConforming}`,
  `errors / timeouts:      ${failed}`,
  `console.error (muted):  ${consoleErrors - boomWarmup} during the run`,
  `heap:                   ${before.toFixed(1)} MB -> ${after.toFixed(1)} MB, delta ${growth.toFixed(2)} MB`,
  ...offenders.map((offender) => `  off: ${offender}`),
]
process.stdout.write(`${lines.join('\n')}\n`)

if (nonConforming > 0 || failed > 0 || growth >= MAX_HEAP_GROWTH_MB || total === 0) {
  process.stdout.write('load test: FAILED\n')
  process.exit(1)
}
process.stdout.write('load test: ok\n')
