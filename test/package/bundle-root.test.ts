/**
 * The root entry as a web app gets it: bundled by esbuild for the browser, it must resolve without any Node
 * built-in, and its module-level code must run where only web globals exist, so `Codes` and `describe` can be
 * used beside the client. (The framework adapters are Node's, and import Node freely.)
 */
import { fileURLToPath } from 'node:url'
import { createContext, runInContext } from 'node:vm'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

async function bundle(format: 'esm' | 'iife') {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/index.ts'],
    bundle: true,
    platform: 'browser',
    format,
    ...(format === 'iife' ? { globalName: 'esignErrors' } : {}),
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  return { text: result.outputFiles[0]!.text, warnings: result.warnings }
}

describe('the browser bundle of the root entry', () => {
  it('builds for the browser: no Node built-in to resolve, none imported', async () => {
    // esbuild rejects the build (`Could not resolve "node:module"`) when a Node built-in is imported.
    const { text, warnings } = await bundle('esm')
    expect(warnings.map((warning) => warning.text)).toEqual([])
    expect(text).not.toMatch(/["']node:/)
    expect(text).not.toMatch(/^\s*import\s/m)
  })

  it('loads with web globals only, and Codes, describe and SignError work there', async () => {
    const { text } = await bundle('iife')
    const context = createContext({ TextEncoder, TextDecoder, URL, setTimeout, clearTimeout })
    const api = runInContext(`${text};esignErrors`, context) as typeof import('esign-errors')
    expect(api.Codes.WrongPassword).toBe(22)
    expect(api.describe(22)).toMatchObject({ code: 22, name: 'WrongPassword', status: 401 })
    const error = new api.SignError(api.Codes.DocumentNotFound)
    expect([error.code, error.status, api.isSignError(error)]).toEqual([41, 404, true])
    expect(runInContext('typeof process + typeof Buffer + typeof require', context)).toBe(
      'undefinedundefinedundefined',
    )
  })
})
