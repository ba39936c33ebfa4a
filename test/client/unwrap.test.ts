import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ApiError, unwrap } from 'esign-errors/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

function json(body: unknown, status = 200, type = 'application/json; charset=utf-8'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type } })
}

async function thrown(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

describe('unwrap', () => {
  it.each([
    ['an object', { documentId: 'D-1', pages: [1, 2] }],
    ['null', null],
    ['a string', 'ok'],
    ['an array', [1, 'two']],
  ])('gives the data of a success envelope holding %s', async (_label, data) => {
    expect(await unwrap(json({ code: 0, message: 'Success', data }))).toEqual(data)
  })

  it('gives undefined for a success envelope without data, and any 2xx will do', async () => {
    expect(await unwrap(json({ code: 0, message: 'Success' }, 201))).toBeUndefined()
  })

  it('throws the ApiError of an error answer', async () => {
    const response = json(
      {
        code: 41,
        name: 'DocumentNotFound',
        message: 'Document does not exist',
        status: 404,
        retryable: false,
      },
      404,
    )
    const error = await thrown(unwrap(response))
    expect([error.code, error.codeName, error.status, error.message, error.response]).toEqual([
      41,
      'DocumentNotFound',
      404,
      'Document does not exist',
      response,
    ])
  })

  it('throws the error of a non-zero code inside a 2xx, as the platform sends them', async () => {
    const body = { code: 22, name: 'WrongPassword', message: 'Wrong password', retryable: false }
    const error = await thrown(unwrap(json(body)))
    expect([error.code, error.codeName, error.status, error.format]).toEqual([
      22,
      'WrongPassword',
      200,
      'envelope',
    ])
  })

  it.each([
    ['HTML', '<html>maintenance</html>'],
    ['empty', ''],
    ['broken JSON', '{"code":0,'],
    ['code "0" as a string', '{"code":"0","data":1}'],
    ['no code', '{"data":1}'],
    ['an array', '[0]'],
  ])('throws 3 DataFormatError for a 2xx whose body is %s', async (_label, body) => {
    const error = await thrown(unwrap(new Response(body, { status: 200 })))
    expect([error.code, error.codeName, error.status, error.retryable, error.format]).toEqual([
      3,
      'DataFormatError',
      200,
      false,
      'other',
    ])
  })

  it('ignores a code 0 that only Object.prototype holds', async () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.code = 0
    try {
      expect((await thrown(unwrap(json({ data: 1 })))).code).toBe(3)
    } finally {
      delete proto.code
    }
  })

  it('rejects with the failure of a success body cut midway', async () => {
    let sent = false
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) controller.error(new TypeError('terminated'))
        else controller.enqueue(new TextEncoder().encode('{"code":0,"data":'))
        sent = true
      },
    })
    await expect(unwrap(new Response(stream))).rejects.toThrow(TypeError)
  })
})

describe('a success body past maxBytes, over a real socket', () => {
  const MiB = 1 << 20
  const TOTAL = 64 * MiB
  const CHUNK = Buffer.alloc(64 * 1024, 'x')
  // What the server had written when the connection closed, and whether it had written it all.
  const closed = new Map<string, Promise<{ sent: number; finished: boolean }>>()
  let server: Server
  let base = ''

  beforeAll(async () => {
    server = createServer((req, res) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      // A valid envelope of 64 MiB: only a reader that stops can refuse it.
      if (req.url === '/declared') headers['content-length'] = String(TOTAL + 20)
      res.writeHead(200, headers)
      let sent = 0
      closed.set(
        req.url ?? '',
        new Promise((resolve) => res.on('close', () => resolve({ sent, finished: res.writableFinished }))),
      )
      const pump = () => {
        if (sent === 0) res.write('{"code":0,"data":"')
        while (sent < TOTAL && !res.destroyed) {
          sent += CHUNK.byteLength
          if (!res.write(CHUNK)) return void res.once('drain', pump)
        }
        if (!res.destroyed) res.end('"}')
      }
      pump()
    })
    server.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('throws 3 DataFormatError saying so, and cancels the read: the server never sends it all', async () => {
    const error = await thrown(unwrap(await fetch(`${base}/capped`), { maxBytes: MiB }))
    expect([error.code, error.codeName, error.status, error.retryable, error.format, error.message]).toEqual([
      3,
      'DataFormatError',
      200,
      false,
      'other',
      'Body over 1048576 bytes',
    ])
    const { sent, finished } = await (closed.get('/capped') as Promise<{ sent: number; finished: boolean }>)
    expect(finished).toBe(false)
    expect(sent).toBeLessThan(TOTAL / 2)
  })

  it('stops at 10 MiB by default', async () => {
    const error = await thrown(unwrap(await fetch(`${base}/default`)))
    expect([error.code, error.message]).toEqual([3, 'Body over 10485760 bytes'])
    const { sent, finished } = await (closed.get('/default') as Promise<{ sent: number; finished: boolean }>)
    expect(finished).toBe(false)
    expect(sent).toBeGreaterThan(10 * MiB)
    expect(sent).toBeLessThan(TOTAL / 2)
  })

  it('does not start on a body whose Content-Length is past the cap', async () => {
    const error = await thrown(unwrap(await fetch(`${base}/declared`), { maxBytes: MiB }))
    expect([error.code, error.message]).toEqual([3, 'Body over 1048576 bytes'])
    const { finished } = await (closed.get('/declared') as Promise<{ sent: number; finished: boolean }>)
    expect(finished).toBe(false)
  })

  it('reads a success body of exactly maxBytes', async () => {
    const body = '{"code":0,"data":"ok"}'
    expect(await unwrap(new Response(body), { maxBytes: body.length })).toBe('ok')
    const over = await thrown(unwrap(new Response(body), { maxBytes: body.length - 1 }))
    expect(over.message).toBe(`Body over ${body.length - 1} bytes`)
  })
})
