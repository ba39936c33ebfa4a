import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { whenDrained } from '../../src/testing/faults.js'

/** Size of the `/huge` body: far past any sane `maxBytes`. */
export const HUGE_BYTES = 50 * 1024 * 1024

/** How the server's side of a `/huge` answer ended. */
export interface HugeOutcome {
  /** Bytes handed to the socket before the client went away (or all of them). */
  bytesWritten: number
  /** Whether the whole body was written and flushed. */
  completed: boolean
}

/** A running fake of the e-signature platform on 127.0.0.1. */
export interface FakePlatform {
  /** Base URL, without a trailing slash. */
  url: string
  /** How the latest `/huge` answer ended; waits until its connection is closed. */
  lastHuge(): Promise<HugeOutcome>
  /** Stops listening and cuts every open connection, including the ones `/hang` holds. */
  close(): Promise<void>
}

type Route = (req: IncomingMessage, res: ServerResponse) => void

/** Answers the way the platform does: HTTP 200 and a JSON body whose `result` says what happened. */
function answer(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/**
 * Starts a real HTTP server with one route per kind of answer `callUpstream` has to survive: the generic
 * `{ result, message, data }` envelope in plain JSON, broken in every way. It is not the platform's protocol
 * (no token, no encryption, bodies no source shows): that fake is `esign-errors/testing`, whose faults cover
 * the platform's own (busy, tamper, slow, cut, stall, huge).
 */
export async function startFakePlatform(): Promise<FakePlatform> {
  let huge: Promise<HugeOutcome> | undefined

  const routes: Record<string, Route> = {
    '/ok': (_req, res) =>
      answer(res, 200, '{"result":0,"message":"Success","data":"eyJpZCI6ImRvYy0xIn0=","mac":"9f2c"}'),
    // The platform's text differs from the catalog's on purpose: the catalog must win.
    '/wrong-password': (_req, res) =>
      answer(res, 200, '{"result":22,"message":"Password incorrect","data":"","mac":"77aa"}'),
    // The platform refusing the service's own integration key: the catalog says 401.
    '/integration-key': (_req, res) =>
      answer(res, 200, '{"result":53,"message":"Integration key does not exist","data":""}'),
    '/session': (_req, res) =>
      answer(res, 200, '{"result":0,"message":"Success","data":{"at":"tok-123","expiresIn":"1500"}}'),
    '/unknown': (_req, res) => answer(res, 200, '{"result":9999,"message":"Something new","data":""}'),
    '/busy-503': (_req, res) => answer(res, 503, '{"result":89,"message":"The system is busy","data":""}'),
    '/empty-404': (_req, res) => {
      res.writeHead(404, { 'content-length': 0 })
      res.end()
    },
    '/html-502': (_req, res) =>
      answer(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html'),
    '/hang': () => {},
    '/close-mid-body': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 200 })
      res.write('{"result":0,"data":"', () => res.destroy())
    },
    '/stall-mid-body': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 200 })
      res.write('{"result":0,"data":"')
    },
    '/garbage': (_req, res) => answer(res, 200, '{"result": 2'),
    '/string-result': (_req, res) => answer(res, 200, '{"result":"22","message":"Wrong password"}'),
    '/proto': (_req, res) => answer(res, 200, '{"__proto__":{"result":0,"polluted":1},"message":"Success"}'),
    '/echo': (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const data = `${req.method} ${req.headers['content-type'] ?? '-'} ${Buffer.concat(chunks)}`
        answer(res, 200, JSON.stringify({ result: 0, message: 'Success', data }))
      })
    },
    '/huge': (_req, res) => {
      huge = streamHuge(res)
    },
  }

  const server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname]
    if (route) route(req, res)
    else answer(res, 404, 'no such route', 'text/plain')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    lastHuge: () => huge ?? Promise.reject(new Error('no /huge request yet')),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

// Writes with backpressure and stops as soon as the client is gone, like a well-behaved server would.
async function streamHuge(res: ServerResponse): Promise<HugeOutcome> {
  let closed = false
  const whenClosed = new Promise<void>((resolve) =>
    res.once('close', () => {
      closed = true
      resolve()
    }),
  )
  res.writeHead(200, { 'content-type': 'application/json' })
  const chunk = Buffer.alloc(64 * 1024, 'a')
  let bytesWritten = 0
  while (bytesWritten < HUGE_BYTES && !closed) {
    bytesWritten += chunk.length
    if (!res.write(chunk)) await Promise.race([whenDrained(res), whenClosed])
  }
  if (!closed) res.end()
  await whenClosed
  return { bytesWritten, completed: res.writableFinished }
}
