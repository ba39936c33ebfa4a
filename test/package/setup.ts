/**
 * Global setup of the runtime tests: `npm pack` once, then a user's project in a temp folder with the tarball
 * installed, Express, Koa and cors beside it (the versions of this repository's lockfile), and the fixtures
 * copied in, so every runtime imports the package exactly as a user's code would.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { TestProject } from 'vitest/node'
import { npmEnv, root } from './runtimes.js'

const run = promisify(execFile)

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packed tarball's path. */
    tarball: string
    /** The user's project: the tarball, express, koa and cors installed, and the fixtures. */
    app: string
  }
}

/** Where this repository's lockfile put a dev dependency: the version the user's project installs too. */
function locked(name: string): string {
  const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'))
  return `${name}@${manifest.version}`
}

export default async function setup(project: TestProject): Promise<() => void> {
  const scratch = mkdtempSync(join(tmpdir(), 'esign-errors-runtimes-'))
  await run('npm', ['pack', '--pack-destination', scratch], { cwd: root, env: npmEnv(process.env.PATH) })
  const tarball = join(scratch, readdirSync(scratch).find((file) => file.endsWith('.tgz'))!)
  const app = join(scratch, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      tarball,
      locked('express'),
      locked('koa'),
      locked('cors'),
    ],
    { cwd: app, env: npmEnv(process.env.PATH) },
  )
  cpSync(join(root, 'test/package/fixtures'), app, { recursive: true })
  project.provide('tarball', tarball)
  project.provide('app', app)
  return () => rmSync(scratch, { recursive: true, force: true })
}
