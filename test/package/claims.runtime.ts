/**
 * What the package claims of its runtimes holds: it installs with no warning on the machine's Node (22 and 24
 * in their own files), and docs/runtimes.md names the versions CI really tests and `engines`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { npmEnv, root, run } from './runtimes.js'

const read = (file: string) => readFileSync(join(root, file), 'utf8')

describe("the package's claims about its runtimes", () => {
  it(`installs from its tarball with no warning on this machine's Node ${process.versions.node}`, async () => {
    const bare = join(inject('app'), '..', 'bare-this-node')
    mkdirSync(bare)
    writeFileSync(join(bare, 'package.json'), JSON.stringify({ name: 'bare', private: true }))
    const { stderr } = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', inject('tarball')],
      {
        cwd: bare,
        env: npmEnv(process.env.PATH),
      },
    )
    expect(stderr).toBe('')
  })

  it('names in docs/runtimes.md every runtime version CI installs, and the engines field', () => {
    const section = read('docs/runtimes.md')
    expect(section.startsWith('# Runtimes\n'), 'docs/runtimes.md is not the "Runtimes" page').toBe(true)
    const pinned = JSON.parse(read('scripts/runtimes/package.json')).dependencies as Record<string, string>
    const versions = Object.values(pinned).map((spec) => spec.replace(/^npm:[^@]+@/, ''))
    const engines = JSON.parse(read('package.json')).engines.node as string
    expect(
      [`Node ${process.versions.node.split('.')[0]}`, ...versions, `"node": "${engines}"`].filter(
        (claim) => !section.includes(claim),
      ),
    ).toEqual([])
  })
})
