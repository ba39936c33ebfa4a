// callUpstream keeps the request's own values (its credentials, a password in its body) out of the errors it
// throws, when the upstream quotes them back in its message or in an answer Node cannot parse.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer as createNetServer, type Server as NetServer } from 'node:net'
import { callUpstream, type SignError, type UpstreamError } from 'esign-errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signErrorOf } from '../helpers/rejections.js'
import { encodings, printedWays } from '../helpers/secret-search.js'

const TOKEN = 'bearer-secret-0123456789abcdef'
const QUERY_TOKEN = 'query-token-ABCDEFGH12345678'
const PASSWORD = 'Tr0ub4dor&3 hunter~22'
const SECRETS = [TOKEN, QUERY_TOKEN, PASSWORD]

// Answers result 5 with a message that quotes what it was sent: the Authorization header, the path and query,
// and the body as received.
let echo: Server
let echoUrl: string
// Answers with a head Node's parser refuses, quoting the request's first line and Authorization.
let malformed: NetServer
let malformedUrl: string

beforeAll(async () => {
  echo = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    // At /tail, only the end of the body: what a long body has last stays within the message's 200 characters.
    const sent = Buffer.concat(chunks).toString()
    const message = `refused ${req.headers.authorization ?? '-'} at ${req.url} for ${req.url === '/tail' ? sent.slice(-40) : sent}`
    // Result 5, or the one `?result=` asks for.
    const result = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('result') ?? 5)
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result, message }))
  })
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve))
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`
  malformed = createNetServer((socket) => {
    socket.once('data', (data) => {
      const lines = data.toString('latin1').split('\r\n')
      const quoted = [lines[0], ...lines.filter((line) => /^authorization:/i.test(line))].join(' | ')
      // The parser's error keeps the bytes from its fault on: the quote comes after it.
      socket.end(`HTTP/1.1 200 OK\r\nbad\u0001: ${quoted}\r\n\r\n`)
    })
  })
  await new Promise<void>((resolve) => malformed.listen(0, '127.0.0.1', resolve))
  malformedUrl = `http://127.0.0.1:${(malformed.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve))
  await new Promise((resolve) => malformed.close(resolve))
})

const auth = { authorization: `Bearer ${TOKEN}` }
const query = `token=${QUERY_TOKEN}`

describe('callUpstream and the values of its own request', () => {
  const quoted: [string, () => string, RequestInit, string][] = [
    [
      'a bearer token and a query token',
      () => `${echoUrl}/api?${query}`,
      { headers: auth },
      'refused … at /api?token=… for ',
    ],
    [
      'a password in a JSON body',
      () => `${echoUrl}/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: PASSWORD }),
      },
      'refused - at /login for {"password":"…"}',
    ],
    [
      'a password with JSON escapes, echoed as its JSON source',
      () => `${echoUrl}/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'Tr0ub4dor"3 hunter\\22' }),
      },
      'refused - at /login for {"password":"…"}',
    ],
    [
      'a password after 300 short values, which do not use up what is looked for',
      () => `${echoUrl}/tail`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tags: Array(300).fill('ab'), password: PASSWORD }),
      },
      // The body's last 40 characters: `"ab"],"password":"<21 characters>"}` is 41.
      'refused - at /tail for ab"],"password":"…"}',
    ],
    [
      'a password in a form body',
      () => `${echoUrl}/login`,
      { method: 'POST', body: new URLSearchParams({ user: 'bob', password: PASSWORD }) },
      'refused - at /login for user=bob&password=…',
    ],
    [
      'a password in form text',
      () => `${echoUrl}/login`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `user=bob&password=${encodeURIComponent(PASSWORD)}`,
      },
      'refused - at /login for user=bob&password=…',
    ],
  ]

  it.each(quoted)(
    'an upstream message that quotes %s keeps the rest of its text',
    async (_label, url, init, message) => {
      const error = await signErrorOf(callUpstream(url(), init))
      expect([error.code, error.status]).toEqual([5, 401])
      expect((error.cause as UpstreamError).upstreamMessage).toBe(message)
    },
  )

  it('an answer Node cannot parse that quotes the request has its cause withheld, the code and status kept', async () => {
    const error = await signErrorOf(callUpstream(`${malformedUrl}/api?${query}`, { headers: auth }))
    expect([error.code, error.status, error.retryable]).toEqual([4, 502, true])
    expect((error.cause as Error).message).toBe(
      'callUpstream: the cause held a value of the request and was withheld',
    )
  })

  it('no error, cause, inspect, JSON or log entry holds one of them, in any form', async () => {
    const errors: SignError[] = []
    for (const [, url, init] of quoted) errors.push(await signErrorOf(callUpstream(url(), init)))
    errors.push(await signErrorOf(callUpstream(`${malformedUrl}/api?${query}`, { headers: auth })))
    const forms = SECRETS.flatMap(encodings)
    for (const printed of printedWays(errors)) {
      for (const form of forms) expect(printed).not.toContain(form.slice(0, 8))
    }
  })

  it.each([
    [
      // Result 22's catalog message is "Wrong password".
      'a form value the catalog message holds as a word',
      '/token?result=22',
      { method: 'POST', body: new URLSearchParams({ grant_type: 'password' }) },
      22,
    ],
    ['a query value the stack holds', '/api?mode=internal', {}, 5],
    [
      'a body value that names a property',
      '/api',
      { method: 'POST', body: JSON.stringify({ field: 'httpStatus' }) },
      5,
    ],
  ] as const)(
    '%s keeps the cause: only what came from outside is searched',
    async (_label, path, init, code) => {
      const error = await signErrorOf(callUpstream(`${echoUrl}${path}`, init as RequestInit))
      const cause = error.cause as UpstreamError
      expect([error.code, cause.result, cause.httpStatus]).toEqual([code, code, 200])
      expect(cause.message).not.toContain('withheld')
    },
  )

  it('an answer that quotes nothing of the request keeps its cause whole', async () => {
    const error = await signErrorOf(callUpstream(`${echoUrl}/api`, { headers: { 'x-trace': 'short' } }))
    expect((error.cause as UpstreamError).upstreamMessage).toBe('refused - at /api for ')
  })
})
