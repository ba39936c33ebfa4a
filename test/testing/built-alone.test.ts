/**
 * esign-errors/testing needs nothing but Node's built-ins: its build, copied alone into a folder with no
 * node_modules anywhere above it, starts a fake and answers a token, as an ES module and as CommonJS.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const built = mkdtempSync(join(tmpdir(), 'esign-testing-build-'))
const alone = mkdtempSync(join(tmpdir(), 'esign-testing-alone-'))

const USE = (load: string) => `${load}
const fake = await startFakePlatform()
const answer = await (await fetch(fake.baseUrl + 'accesstoken?client_id=' + fake.apiKey)).json()
console.log(answer.result, typeof answer.data, answer.mac.length)
await fake.close()
`

describe('the built testing entry', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    // The package's own build settings, this entry only, without types.
    await run(
      process.execPath,
      [
        join(root, 'node_modules/tsup/dist/cli-default.js'),
        'src/testing/index.ts',
        '--format',
        'esm,cjs',
        '--target',
        'node20',
        '--out-dir',
        built,
        '--no-config',
      ],
      { cwd: root },
    )
    copyFileSync(join(built, 'index.js'), join(alone, 'testing.mjs'))
    copyFileSync(join(built, 'index.cjs'), join(alone, 'testing.cjs'))
  }, 60_000)

  afterAll(() => {
    rmSync(built, { recursive: true, force: true })
    rmSync(alone, { recursive: true, force: true })
  })

  it('imports only node built-ins', () => {
    for (const file of ['testing.mjs', 'testing.cjs']) {
      const source = readFileSync(join(alone, file), 'utf8')
      const specifiers = [...source.matchAll(/(?:from\s+|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1])
      expect(specifiers.length).toBeGreaterThan(0)
      expect(specifiers.filter((name) => !/^(node:)?(crypto|http|zlib)$/.test(name!))).toEqual([])
    }
  })

  it('runs alone as an ES module and as CommonJS', async () => {
    writeFileSync(join(alone, 'use.mjs'), USE("import { startFakePlatform } from './testing.mjs'"))
    writeFileSync(
      join(alone, 'use.cjs'),
      `(async () => {\n${USE("const { startFakePlatform } = require('./testing.cjs')")}})()`,
    )
    for (const file of ['use.mjs', 'use.cjs']) {
      const { stdout } = await run(process.execPath, [file], { cwd: alone })
      expect(stdout).toBe('0 string 64\n')
    }
  })
})
