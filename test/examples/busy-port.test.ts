/** Every example, started on a port another process holds: it says which port and exits 1, no banner. */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe.concurrent('an example on a busy port', { timeout: 60_000 }, () => {
  it.each([
    [
      'examples/express.ts',
      (port: number) => `esign-errors demo (Express): cannot listen on 127.0.0.1:${port} (EADDRINUSE)\n`,
    ],
    [
      'examples/koa.ts',
      (port: number) => `esign-errors demo (Koa): cannot listen on 127.0.0.1:${port} (EADDRINUSE)\n`,
    ],
    [
      'examples/fastify.ts',
      (port: number) => `esign-errors demo (Fastify): cannot listen on 127.0.0.1:${port} (EADDRINUSE)\n`,
    ],
    [
      'examples/gateway.ts',
      (port: number) =>
        `gateway: cannot listen on port ${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}. Set PORT to a free port.\n`,
    ],
  ])('%s says which port and exits 1 instead of printing its banner', async (script, message) => {
    const busy = createServer()
    busy.listen(0, '127.0.0.1')
    await once(busy, 'listening')
    const port = (busy.address() as AddressInfo).port
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        cwd: root,
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk
      })
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk
      })
      const [code] = (await once(child, 'exit')) as [number | null]
      expect({ code, stdout, stderr }).toEqual({ code: 1, stdout: '', stderr: message(port) })
    } finally {
      busy.close()
    }
  })
})
