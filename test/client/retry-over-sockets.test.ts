/**
 * retry() against real servers on 127.0.0.1: what it sends again, and how often.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isApiError, retry, unwrap } from 'esign-errors/client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'

const hits = new Map<string, number>()
let server: Server
let base = ''

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? ''
  hits.set(path, (hits.get(path) ?? 0) + 1)
  if (path === '/cut') {
    // The server has acted: it answers 200 and starts the body, then the connection dies midway.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
    res.write('{"code":0,"data":{"contractId":"C-')
    setTimeout(() => res.destroy(), 50)
    return
  }
  if (path === '/busy') {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' })
    res.end('{"code":89,"name":"SystemBusy","message":"The system is busy","status":503,"retryable":true}')
    return
  }
  res.writeHead(500).end()
}

beforeAll(async () => {
  server = createServer(route)
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(() => hits.clear())

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('an answer cut after it began', () => {
  it('is not sent again by retry(): unwrap rejects with the failure of the read', async () => {
    const failure = await retry(
      () => fetch(`${base}/cut`, { method: 'POST', body: '{"title":"Lease"}' }).then(unwrap),
      { attempts: 3 },
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TypeError)
    expect((failure as TypeError).message).toBe('terminated')
    expect(hits.get('/cut')).toBe(1)
  })

  it('is not sent again when fn reads the body itself', async () => {
    const failure = await retry(
      () => fetch(`${base}/cut`, { method: 'POST', body: '{}' }).then((response) => response.json()),
      { attempts: 3 },
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TypeError)
    expect(hits.get('/cut')).toBe(1)
  })

  it('is not sent again when the read fails with the same words as a refused connection', async () => {
    // Safari's fetch says `Load failed` both when no answer came and when the body broke off.
    let calls = 0
    const failure = await retry(
      async () => {
        calls++
        let sent = false
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent) controller.error(new TypeError('Load failed'))
            else controller.enqueue(new TextEncoder().encode('{"code":0,"data":'))
            sent = true
          },
        })
        return unwrap(new Response(body))
      },
      { attempts: 3 },
    ).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TypeError)
    expect((failure as TypeError).message).toBe('Load failed')
    expect(calls).toBe(1)
  })
})

describe('Retry-After: 0', () => {
  it('still leaves 100 ms between two tries', async () => {
    const started = Date.now()
    const failure = await retry(() => fetch(`${base}/busy`).then(unwrap), {
      attempts: 50,
      signal: AbortSignal.timeout(450),
    }).catch((error: unknown) => error)
    const elapsed = Date.now() - started
    expect(isApiError(failure)).toBe(false) // the signal's reason: the tries were not used up
    // One try at once, then one per 100 ms at most: 5 in 450 ms (a loaded machine makes it fewer).
    const tries = hits.get('/busy') ?? 0
    expect(tries).toBeGreaterThanOrEqual(2)
    expect(tries).toBeLessThanOrEqual(1 + Math.floor(elapsed / 100))
    expect(tries).toBeLessThanOrEqual(5)
  })
})
