/**
 * negotiator and statuses are loaded when first needed. In a server bundled without node_modules they cannot
 * be: the error path must still answer, in the JSON envelope, with Node's reason phrases, never throw.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'tsup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'esign-errors-bare-'))
const dist = join(scratch, 'dist')

const SERVER = `
const app = express()
app.get('/', () => {
  throw new Error('db down')
})
app.use(errorHandler({ log: false }))
const server = app.listen(0, '127.0.0.1', async () => {
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/', {
    headers: { accept: 'application/problem+json' },
  })
  const body = await res.json()
  console.log(JSON.stringify({ status: res.status, statusText: res.statusText, type: res.headers.get('content-type'), body }))
  server.close()
})
`

const PROGRAMS: Record<string, string> = {
  'app.mjs': `import express from 'express'\nimport { errorHandler } from 'esign-errors/express'\n${SERVER}`,
  'app.cjs': `const express = require('express')\nconst { errorHandler } = require('esign-errors/express')\n${SERVER}`,
}

beforeAll(async () => {
  await build({ outDir: dist, dts: false, silent: true })
  const modules = join(scratch, 'app', 'node_modules')
  // A copy, not a link: a link's real path would find this repository's node_modules.
  cpSync(dist, join(modules, 'esign-errors', 'dist'), { recursive: true })
  writeFileSync(
    join(modules, 'esign-errors', 'package.json'),
    readFileSync(join(root, 'package.json'), 'utf8'),
  )
  // Express only: neither negotiator nor statuses can be found from the package.
  mkdirSync(modules, { recursive: true })
  symlinkSync(join(root, 'node_modules', 'express'), join(modules, 'express'))
  for (const [file, source] of Object.entries(PROGRAMS)) writeFileSync(join(scratch, 'app', file), source)
}, 120_000)

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('without negotiator and statuses', () => {
  it.each(Object.keys(PROGRAMS))(
    "%s answers a 500 in the JSON envelope, with Node's reason phrase",
    async (file) => {
      const { stdout } = await promisify(execFile)(process.execPath, [file], { cwd: join(scratch, 'app') })
      expect(JSON.parse(stdout)).toEqual({
        status: 500,
        statusText: 'Internal Server Error',
        type: 'application/json; charset=utf-8',
        body: {
          code: 4,
          name: 'ProcessingFailed',
          message: 'Processing failed',
          status: 500,
          retryable: true,
        },
      })
    },
  )
})
