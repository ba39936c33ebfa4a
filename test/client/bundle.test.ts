/**
 * The client as a browser gets it: bundled by esbuild for the browser, minified. It must stay small, carry no
 * Node polyfill or global, leave the catalog out, and run where only web globals exist.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createContext, runInContext } from 'node:vm'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { beforeAll, describe, expect, it } from 'vitest'

// 2 KB until the client bounded its reads, gave them a deadline, checked retry()'s options and stopped retrying cut answers:
// those cost about 260 B gzipped, worth more than the bytes. The headroom is for fixes, not features.
const BUDGET = 2560
const root = fileURLToPath(new URL('../../', import.meta.url))

async function bundle(format: 'esm' | 'iife') {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/client/index.ts'],
    bundle: true,
    platform: 'browser',
    minify: true,
    format,
    ...(format === 'iife' ? { globalName: 'esignClient' } : {}),
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  return { text: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs).sort() }
}

let esm: { text: string; inputs: string[] }
let gzipped = 0

beforeAll(async () => {
  esm = await bundle('esm')
  gzipped = gzipSync(esm.text).byteLength
})

describe('the browser bundle of esign-errors/client', () => {
  it(`stays under ${BUDGET} bytes gzipped`, () => {
    expect(gzipped).toBeGreaterThan(0)
    expect(gzipped).toBeLessThanOrEqual(BUDGET)
  })

  it('is made of the client, the fallback table and the Retry-After reader alone: no catalog', () => {
    expect(esm.inputs).toEqual([
      'src/client/api-error.ts',
      'src/client/index.ts',
      'src/client/read-error.ts',
      'src/client/retry.ts',
      'src/core/fallback.ts',
      'src/http/backoff.ts',
      'src/http/retry-after.ts',
    ])
    expect(esm.text).not.toContain('WrongPassword')
    expect(esm.text).not.toContain('Document does not exist')
  })

  it('imports nothing and uses no Node global', () => {
    expect(esm.text).not.toMatch(/\bnode:/)
    expect(esm.text).not.toMatch(/\bimport\s*[{*"'(]/)
    expect(esm.text).not.toMatch(/\brequire\s*\(/)
    expect(esm.text).not.toMatch(/\bBuffer\b/)
    expect(esm.text).not.toMatch(/\bprocess\b/)
    expect(esm.text).not.toMatch(/\bglobal\b/)
  })

  it('runs with web globals only', async () => {
    const { text } = await bundle('iife')
    // What a browser, a worker, Deno and Bun all have; no process, Buffer, require or module.
    const web = {
      Response,
      Headers,
      ReadableStream,
      TextDecoder,
      TextEncoder,
      AbortController,
      AbortSignal,
      DOMException,
      setTimeout,
      clearTimeout,
    }
    const context = createContext({ ...web })
    const client = runInContext(`${text};esignClient`, context) as typeof import('esign-errors/client')
    const error = await client.readError(
      new Response('{"code":89,"name":"SystemBusy","message":"The system is busy","retryable":true}', {
        status: 503,
        headers: { 'content-type': 'application/json', 'retry-after': '0' },
      }),
    )
    expect([error?.code, error?.codeName, error?.retryAfterMs, client.isApiError(error, 89)]).toEqual([
      89,
      'SystemBusy',
      0,
      true,
    ])
    let calls = 0
    const data = await client.retry(async () => {
      if (++calls < 3) throw error
      return client.unwrap<string>(new Response('{"code":0,"data":"ok"}'))
    })
    expect([data, calls]).toEqual(['ok', 3])
    expect(runInContext('typeof process + typeof Buffer + typeof require', context)).toBe(
      'undefinedundefinedundefined',
    )
  })

  it('is the size docs/client.md says, within 64 bytes', () => {
    const page = readFileSync(new URL('../../docs/client.md', import.meta.url), 'utf8')
    const stated = /(\d+) bytes gzipped/.exec(page)
    expect(stated, 'docs/client.md should give the size as "<n> bytes gzipped"').not.toBeNull()
    expect(Math.abs(Number(stated?.[1]) - gzipped), `measured ${gzipped} bytes`).toBeLessThanOrEqual(64)
  })
})
