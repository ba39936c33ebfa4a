/**
 * The log lines the three examples write for a wrong password (401) and a failing route (500), as
 * docs/logging.md shows them, with what changes from run to run made comparable.
 */
import type { Server } from 'node:http'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createApp as expressApp } from '../../examples/express.js'
import { createApp as fastifyApp } from '../../examples/fastify.js'
import { createApp as koaApp } from '../../examples/koa.js'
import { type Line, settle, sink } from './log-lines.js'

/** The examples whose lines docs/logging.md shows. */
export const LOGGED_EXAMPLES = ['express', 'fastify', 'koa'] as const
export type LoggedExample = (typeof LOGGED_EXAMPLES)[number]

/** As curl sends them, so the lines look like the ones a reader gets. */
const CURL = { 'user-agent': 'curl/8.5.0', accept: '*/*' }

function send(port: number, method: string, path: string, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? CURL : { ...CURL, 'content-type': 'application/json' }
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume()
      res.on('end', resolve)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** The lines one example writes for `POST /login` with a wrong password, then `GET /boom`. */
export async function linesOf(example: LoggedExample): Promise<Line[]> {
  const { lines, stream } = sink()
  let server: Server
  let close: () => Promise<unknown>
  if (example === 'fastify') {
    const app = await fastifyApp(stream)
    await app.listen({ port: 0, host: '127.0.0.1' })
    server = app.server
    close = () => app.close()
  } else {
    const listener = example === 'express' ? expressApp(stream) : koaApp(stream).callback()
    const { createServer } = await import('node:http')
    server = createServer(listener).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    close = () => new Promise((resolve) => server.close(resolve))
  }
  const port = (server.address() as AddressInfo).port
  const start = lines.length
  await send(port, 'POST', '/login', '{"password":"nope"}')
  await send(port, 'GET', '/boom')
  await settle()
  await close()
  return lines.slice(start)
}

const VARYING = new Set(['time', 'pid', 'hostname', 'responseTime', 'remotePort', 'host', 'date'])

/** The line with what varies between runs (time, pid, ports, a stack's frames) replaced. */
export function comparable(value: unknown, key = ''): unknown {
  if (VARYING.has(key)) return '…'
  if (key === 'stack' && typeof value === 'string') return value.split('\n')[0]
  if (Array.isArray(value)) return value.map((item) => comparable(item))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, comparable(item, name)]))
  }
  return value
}
