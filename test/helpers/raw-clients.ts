/**
 * Clients that report what really came over the wire, cut or hung answers included, where supertest would
 * only fail: an HTTP/1 request on a fresh connection, and an HTTP/2 GET on a node:http2 session.
 */
import { request as httpRequest, type Server } from 'node:http'
import type { ClientHttp2Session } from 'node:http2'
import type { AddressInfo } from 'node:net'

/** What a raw HTTP/1 client saw: `timedOut` when the server neither answered nor closed within the window. */
export interface Received {
  status: number | undefined
  headers: Record<string, string | string[] | undefined>
  text: string
  complete: boolean
  timedOut: boolean
}

/**
 * One request over a fresh connection, given up after `timeoutMs`: a hung socket shows as `timedOut`, a
 * connection cut before any answer as a result with no status. Never rejects.
 */
export function fetchRaw(server: Server, path = '/', method = 'GET', timeoutMs = 2000): Promise<Received> {
  const { port } = server.address() as AddressInfo
  return new Promise((resolve) => {
    const received: Received = { status: undefined, headers: {}, text: '', complete: false, timedOut: false }
    const timer = setTimeout(() => {
      req.destroy()
      resolve({ ...received, timedOut: true })
    }, timeoutMs)
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      received.status = res.statusCode
      received.headers = res.headers
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        received.text += chunk
      })
      res.on('error', () => {})
      res.on('close', () => {
        clearTimeout(timer)
        resolve({ ...received, complete: res.complete })
      })
    })
    req.on('error', () => {
      clearTimeout(timer)
      resolve(received)
    })
    req.end()
  })
}

/** What an HTTP/2 GET saw. */
export interface Http2Answer {
  status: number | undefined
  headers: Record<string, unknown>
  body: string
  /** The stream was reset or the session failed: the answer was cut. */
  cut: boolean
  /** The stream's error, when it was cut. */
  error: Error | undefined
}

/** One GET over the session; rejects only when the stream stays unanswered for two seconds. */
export function http2Get(session: ClientHttp2Session, path: string, method = 'GET'): Promise<Http2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':method': method })
    const timer = setTimeout(() => {
      stream.close()
      reject(new Error(`no answer to ${path}`))
    }, 2000)
    let headers: Record<string, unknown> = {}
    let body = ''
    const done = (error: Error | undefined) => {
      clearTimeout(timer)
      resolve({
        status: headers[':status'] as number | undefined,
        headers,
        body,
        cut: error !== undefined,
        error,
      })
    }
    stream.on('response', (received) => {
      headers = { ...received }
    })
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      body += chunk
    })
    stream.on('end', () => done(undefined))
    stream.on('error', (error) => done(error))
    stream.end()
  })
}
