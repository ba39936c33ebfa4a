import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { marked, type Token } from 'marked'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'esign-errors-pack-'))

// What a user of the published package writes, in both module systems.
const ESM = `import { Codes, SignError, isSignError } from 'esign-errors'
import * as viaExpress from 'esign-errors/express'
import * as viaKoa from 'esign-errors/koa'
const error = new SignError(Codes.WrongPassword)
console.log(error.code, error.status, error.codeName, isSignError(error))
console.log(typeof viaExpress.errorHandler, typeof viaExpress.notFound, typeof viaKoa.errorHandler, typeof viaKoa.notFound)
`
const CJS = `const { Codes, SignError, isSignError } = require('esign-errors')
const viaExpress = require('esign-errors/express')
const viaKoa = require('esign-errors/koa')
const error = new SignError(Codes.WrongPassword)
console.log(error.code, error.status, error.codeName, isSignError(error))
console.log(typeof viaExpress.errorHandler, typeof viaExpress.notFound, typeof viaKoa.errorHandler, typeof viaKoa.notFound)
`
const PRINTED = '22 401 WrongPassword true\nfunction function function function\n'

/**
 * A fresh project in the scratch folder with the packed tarball installed. The npm cache is preferred, but
 * `npm ci` caches tarballs only, not the package metadata that resolving the tarball's own ranges needs,
 * so on a fresh machine the registry answers that.
 */
async function project(
  name: string,
  type: 'module' | 'commonjs',
  file: string,
  source: string,
): Promise<string> {
  const dir = join(scratch, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type }))
  writeFileSync(join(dir, file), source)
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(scratch, tarball)], {
    cwd: dir,
  })
  return dir
}

let tarball = ''

const MANIFEST = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string
  exports: Record<string, unknown>
}
/** Every subpath entry the package exports (`express`, `koa`, …), from package.json itself. */
const SUBPATHS = Object.keys(MANIFEST.exports)
  .filter((key) => key !== '.' && key !== './package.json')
  .map((key) => key.slice(2))

// One slow pass: `npm pack` builds through prepack, then two projects install what it made.
describe('the packed tarball', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await run('npm', ['pack', '--pack-destination', scratch], { cwd: root })
    const found = readdirSync(scratch).filter((file) => file.endsWith('.tgz'))
    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(/^esign-errors-\d+\.\d+\.\d+\.tgz$/)
    tarball = found[0]!
  }, 180_000)

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true })
  })

  it('holds the build, the docs and the changelog, and no sources', async () => {
    const { stdout } = await run('tar', ['-tzf', join(scratch, tarball)])
    const files = stdout.split('\n').filter(Boolean)
    expect(files).toContain('package/package.json')
    expect(files).toContain('package/docs/codes.md')
    expect(files).toContain('package/CHANGELOG.md')
    for (const entry of ['index', ...SUBPATHS]) {
      expect(files).toContain(`package/dist/${entry}.js`)
      expect(files).toContain(`package/dist/${entry}.cjs`)
    }
    // The CLI runs as the ES module bin points at; a CommonJS copy and its types would ship for nothing.
    expect(files).toContain('package/dist/cli.js')
    expect(
      files.filter((file) => file.startsWith('package/dist/cli.') && file !== 'package/dist/cli.js'),
    ).toEqual([])
    expect(files).toContain('package/dist/index.d.ts')
    expect(files).toContain('package/dist/index.d.cts')
    expect(
      files.filter((file) => file.startsWith('package/src/') || file.startsWith('package/test/')),
    ).toEqual([])
  })

  it('works from an ES module project, with its CLI', async () => {
    const dir = await project('esm-user', 'module', 'index.mjs', ESM)
    expect((await run(process.execPath, ['index.mjs'], { cwd: dir })).stdout).toBe(PRINTED)
    const { stdout } = await run(join(dir, 'node_modules/.bin/esign-errors'), ['22'], { cwd: dir })
    expect(stdout).toBe(
      'code:      22\nname:      WrongPassword\nstatus:    401\ncategory:  auth\nretryable: no\nmessage:   Wrong password\n',
    )
  })

  it('prints its version from the installed package', async () => {
    const dir = await project('version-user', 'module', 'index.mjs', '')
    const { stdout } = await run(join(dir, 'node_modules/.bin/esign-errors'), ['--version'], { cwd: dir })
    expect(stdout).toBe(`${MANIFEST.version}\n`)
  })

  // TypeScript's `moduleResolution: node` (node10) ignores "exports": every subpath needs typesVersions.
  it('resolves the types of every entry under moduleResolution: node', async () => {
    const source = [
      "import { defineCodes, SignError } from 'esign-errors'",
      ...SUBPATHS.map((entry, i) => `import * as entry${i} from 'esign-errors/${entry}'`),
      `export const all = [SignError, ${SUBPATHS.map((_, i) => `entry${i}`).join(', ')}]`,
      // The published types keep a custom code's name, as the sources do.
      "const Custom = defineCodes({ OnHold: { code: 9100, message: 'On hold', status: 423 } })",
      "export const name: 'OnHold' = new SignError(Custom.OnHold).codeName",
      '',
    ].join('\n')
    const dir = await project('node10-user', 'commonjs', 'index.ts', source)
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'commonjs',
          moduleResolution: 'node',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['index.ts'],
      }),
    )
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    const result = await run(process.execPath, [tsc, '-p', dir]).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => `tsc failed:\n${error.stdout ?? String(error)}`,
    )
    expect(result).toBe('')
  })

  it('works from a CommonJS project', async () => {
    const dir = await project('cjs-user', 'commonjs', 'index.cjs', CJS)
    expect((await run(process.execPath, ['index.cjs'], { cwd: dir })).stdout).toBe(PRINTED)
    const { stdout } = await run(join(dir, 'node_modules/.bin/esign-errors'), ['--search', 'otp'], {
      cwd: dir,
    })
    expect(stdout).toBe(
      ' 108  429  OtpAttemptsExceeded    Mobile OTP failed with maximum attempt (5 times)\n' +
        ' 109  403  OtpVerificationFailed  Mobile OTP authentication failed\n',
    )
  })
})

/** The files `npm pack` puts in the tarball, as paths inside the package, read from npm itself. */
async function shippedFiles(): Promise<string[]> {
  // --ignore-scripts: the list comes from `files` and what is on disk, without building dist/ first.
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root })
  const [report] = JSON.parse(stdout) as [{ files: { path: string }[] }]
  return report.files.map((file) => file.path)
}

/** Every link target of a markdown file: inline, reference, image, and href/src of raw HTML. */
function linksOf(markdown: string): string[] {
  const tokens = marked.lexer(markdown)
  const targets = Object.values(tokens.links).map((definition) => definition.href)
  marked.walkTokens(tokens, (token) => {
    if (token.type === 'link' || token.type === 'image') targets.push(token.href)
    if (token.type === 'html') {
      for (const [, target] of token.raw.matchAll(/\b(?:href|src)\s*=\s*["']([^"']*)["']/gi))
        targets.push(target!)
    }
  })
  return targets
}

/** The anchors GitHub and npm give a file's headings: lower case, punctuation dropped, spaces as dashes. */
function anchorsOf(markdown: string): Set<string> {
  const plain = (tokens: Token[]): string =>
    tokens
      .map((token) =>
        'tokens' in token && token.tokens ? plain(token.tokens) : 'text' in token ? token.text : '',
      )
      .join('')
  const anchors = new Set<string>()
  marked.walkTokens(marked.lexer(markdown), (token) => {
    if (token.type !== 'heading') return
    const base = plain(token.tokens ?? [])
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    let anchor = base
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`
    anchors.add(anchor)
  })
  return anchors
}

const REPOSITORY = (() => {
  const { repository } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    repository?: { url?: string }
  }
  return repository?.url?.replace(/^git\+/, '').replace(/\.git$/, '')
})()

describe('the links of the shipped markdown files', () => {
  it('names the repository that absolute links point into', () => {
    expect(REPOSITORY).toBe('https://github.com/esign-errors/esign-errors')
  })

  it('resolve to a shipped file (and heading), or are absolute URLs', async () => {
    const shipped = await shippedFiles()
    const pages = shipped.filter((file) => file.endsWith('.md'))
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'docs/codes.md']))
    const broken: string[] = []
    for (const page of pages) {
      const markdown = readFileSync(join(root, page), 'utf8')
      for (const link of linksOf(markdown)) {
        const [path = '', fragment] = link.split('#')
        if (/^[a-z][a-z\d+.-]*:/i.test(path)) {
          // Into this repository: the file must exist in it, at the path the link names.
          const inRepository = REPOSITORY && new RegExp(`^${REPOSITORY}/(?:blob|tree)/main/(.+)$`).exec(path)
          if (inRepository && !existsSync(join(root, decodeURIComponent(inRepository[1]!))))
            broken.push(`${page}: ${link}`)
          continue
        }
        const target =
          path === '' ? page : posix.normalize(posix.join(posix.dirname(page), decodeURIComponent(path)))
        if (!shipped.includes(target)) {
          broken.push(`${page}: ${link} (${target} is not in the package)`)
        } else if (fragment !== undefined && target.endsWith('.md')) {
          if (!anchorsOf(readFileSync(join(root, target), 'utf8')).has(fragment)) {
            broken.push(`${page}: ${link} (no heading #${fragment} in ${target})`)
          }
        }
      }
    }
    expect(broken).toEqual([])
  })
})
