/** The checks of the packed package on one Node binary: install, every entry both ways, the server checks. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { need, npmEnv, root, run, runScript, serverChecks } from './runtimes.js'

const MANIFEST = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: object }
/** Every entry the package exports, by the name a user imports. */
const ENTRIES = Object.keys(MANIFEST.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'esign-errors' : `esign-errors/${key.slice(2)}`))

// What docs/api.md documents of each entry; an entry it does not list must still export something.
const DOCUMENTED: Record<string, string[]> = {
  'esign-errors': [
    'Codes',
    'SignError',
    'describe',
    'isSignError',
    'success',
    'fallbackCode',
    'callUpstream',
  ],
  'esign-errors/express': ['asyncHandler', 'errorHandler', 'notFound'],
  'esign-errors/koa': ['allowedMethods', 'errorHandler', 'handleStreamErrors', 'notFound'],
  'esign-errors/fastify': ['errorHandler', 'esignErrors', 'notFound'],
  'esign-errors/platform': ['createPlatformClient', 'openCallback', 'openEnvelope'],
  'esign-errors/client': ['ApiError', 'isApiError', 'readError', 'retry', 'unwrap'],
}

interface Printed {
  entries: Record<string, string[]>
  works: unknown[]
}

export function nodeChecks(runtime: 'Node 22' | 'Node 24', major: number): void {
  describe(`the packed package on ${runtime}`, () => {
    // A project of its own with the tarball alone: no peer dependency, installed by npm running on this Node.
    let bare = ''

    it('installs from its tarball with no warning', async () => {
      const path = `${dirname(need(runtime))}:${process.env.PATH}`
      const { stdout: version } = await run('node', ['-p', 'process.versions.node'], { env: npmEnv(path) })
      expect(Number(version.split('.')[0])).toBe(major)
      bare = join(inject('app'), '..', `bare-node${major}`)
      mkdirSync(bare)
      writeFileSync(
        join(bare, 'package.json'),
        JSON.stringify({ name: 'bare', private: true, type: 'module' }),
      )
      const { stderr } = await run(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', inject('tarball')],
        { cwd: bare, env: npmEnv(path) },
      )
      expect(stderr).toBe('')
      for (const file of ['entries.mjs', 'entries.cjs']) {
        writeFileSync(join(bare, file), readFileSync(join(inject('app'), file)))
      }
    })

    it('loads every entry by import and by require, with no peer dependency installed', async () => {
      need(runtime)
      expect(bare, 'the install above failed').not.toBe('')
      const imported = JSON.parse(await runScript(runtime, bare, 'entries.mjs', ENTRIES)) as Printed
      const required = JSON.parse(await runScript(runtime, bare, 'entries.cjs', ENTRIES)) as Printed
      expect(Object.keys(imported.entries)).toEqual(ENTRIES)
      expect(required.entries).toEqual(imported.entries)
      for (const entry of ENTRIES) {
        const documented = DOCUMENTED[entry]
        if (documented) expect(imported.entries[entry]).toEqual(expect.arrayContaining(documented))
        else expect(imported.entries[entry]?.length, entry).toBeGreaterThan(0)
      }
      const works = [22, 401, 'WrongPassword', true, 'SystemBusy']
      expect([imported.works, required.works]).toEqual([works, works])
    })

    serverChecks(runtime)
  })
}
