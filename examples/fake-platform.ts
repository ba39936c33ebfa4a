/**
 * A tiny stand-in for the e-signature platform, speaking its wire format: HTTP 200 and
 * `{ result, message, data }`, where a non-zero `result` is the error.
 *
 * Run alone with `npx tsx examples/fake-platform.ts` (port PLATFORM_PORT, default 3002), or start it
 * from another process with `startPlatform()`, as examples/gateway.ts does.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'

/** The only password the fake platform accepts. */
export const GOOD_PASSWORD = 'correct horse'
/** The only integration key the fake platform knows; a service sends it in `x-integration-key`. */
export const INTEGRATION_KEY = 'demo-integration-key'

const documents: Record<string, { id: string; title: string; status: string }> = {
  'doc-1': { id: 'doc-1', title: 'Lease agreement', status: 'waiting for signature' },
  'doc-2': { id: 'doc-2', title: 'Purchase order', status: 'completed' },
}

function reply(res: ServerResponse, result: number, message: string, data: unknown = ''): void {
  const body = JSON.stringify({ result, message, data, mac: '' })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  let text = ''
  for await (const chunk of req) text += chunk
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', 'http://platform')
  if (req.method === 'POST' && pathname === '/api/login') {
    const body = await readJson(req)
    if (!body) return reply(res, 3, 'Data format error')
    if (typeof body.email !== 'string' || typeof body.password !== 'string') {
      return reply(res, 1, 'Parameter error')
    }
    // Like the real platform, a wrong password is an HTTP 200 whose result says so.
    if (body.password !== GOOD_PASSWORD) return reply(res, 22, 'Wrong password')
    return reply(res, 0, 'Success', Buffer.from(`token-for:${body.email}`).toString('base64'))
  }
  const document = /^\/api\/documents\/([^/]+)$/.exec(pathname)
  if (req.method === 'GET' && document) {
    const found = documents[decodeURIComponent(document[1]!)]
    return found ? reply(res, 0, 'Success', found) : reply(res, 41, 'Document does not exist')
  }
  if (req.method === 'GET' && pathname === '/api/templates') {
    // Read with the calling service's own credential, not an end user's.
    if (req.headers['x-integration-key'] !== INTEGRATION_KEY) {
      return reply(res, 53, 'Integration key does not exist')
    }
    return reply(res, 0, 'Success', [{ id: 'tpl-1', title: 'Non-disclosure agreement' }])
  }
  if (pathname === '/api/maintenance') {
    // What a load balancer in front of the platform answers during maintenance: no platform JSON at all.
    res.writeHead(503, { 'content-type': 'text/html' })
    res.end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>')
    return
  }
  res.writeHead(404, { 'content-length': 0 })
  res.end()
}

/** Starts the fake platform on 127.0.0.1 (port 0 picks a free one). */
export async function startPlatform(port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const address = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const platform = await startPlatform(Number(process.env.PLATFORM_PORT ?? 3002))
  console.log(`fake platform on ${platform.url}`)
  console.log(`  curl -s -X POST ${platform.url}/api/login -d '{"email":"a@example.com","password":"nope"}'`)
  console.log(`  curl -s ${platform.url}/api/documents/doc-1`)
}
