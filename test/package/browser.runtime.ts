/**
 * The packed package in a real browser: Debian's Chromium, headless, driven by playwright-core. The page's
 * script (the client and the root entry's Codes and describe, bundled by esbuild for the browser) is served
 * from one origin and reads the answers of a service on another, behind cors().
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { chromium } from 'playwright-core'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { need, startServer } from './runtimes.js'

// As the machine's notes give them: no sandbox as root, and no background traffic to hosts this network lacks.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

let script: string | undefined
const cleanups: (() => void)[] = []
afterAll(() => {
  for (const cleanup of cleanups.reverse()) cleanup()
})

/** A page origin serving one HTML page and its script. */
async function servePage(source: string): Promise<string> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(source)
    } else {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!doctype html><title>esign-errors</title><script src="/page.js"></script>')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => server.close())
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

describe('the packed package in Chromium', () => {
  it("bundles the client and the root entry's Codes and describe for the browser", async () => {
    const result = await build({
      absWorkingDir: inject('app'),
      entryPoints: ['page.mjs'],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      minify: true,
      write: false,
      logLevel: 'silent',
    })
    script = result.outputFiles[0]!.text
    expect(script).not.toMatch(/\brequire\s*\(/)
  })

  it("reads a service's answers across origins, and retry() waits the Retry-After it gave", async () => {
    const executablePath = need('Chromium')
    expect(script, 'the bundle above failed').toBeDefined()
    const page = await servePage(script!)
    const service = await startServer<{ port: number }>('this Node', inject('app'), 'service.mjs')
    cleanups.push(service.stop)
    const api = `http://127.0.0.1:${service.info.port}`
    const profile = mkdtempSync(join(tmpdir(), 'esign-errors-chromium-'))
    cleanups.push(() => rmSync(profile, { recursive: true, force: true }))

    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: FLAGS,
    })
    try {
      const tab = await context.newPage()
      const errors: string[] = []
      tab.on('pageerror', (error) => errors.push(error.message))
      await tab.goto(`${page}/`)
      expect(new URL(tab.url()).origin).not.toBe(api)
      const checked = await tab.evaluate(
        (origin) => (globalThis as unknown as { check: (api: string) => Promise<unknown> }).check(origin),
        api,
      )
      expect(errors).toEqual([])
      expect(checked).toEqual({
        codes: [22, 89],
        described: {
          code: 22,
          name: 'WrongPassword',
          status: 401,
          category: 'auth',
          retryable: false,
          message: 'Wrong password',
        },
        login: [22, 'WrongPassword', 401, 'Wrong password', false, null, 'envelope'],
        // Retry-After is no CORS-safelisted header: the page reads it only when the service exposes it.
        busy: [89, 'SystemBusy', 503, 'The system is busy', true, 7000, 'envelope'],
        // A proxy's page: the status's fallback code, named and worded by the catalog's describe.
        proxy: [89, 'SystemBusy', 503, 'The system is busy', true, null, 'other'],
        data: { signed: true },
        retries: [[89, 1, 1000]],
        waitedASecond: true,
      })
    } finally {
      await context.close()
    }
  })
})
