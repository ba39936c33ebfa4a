/**
 * CPU profile of the error path, summarised as the functions with the most self time.
 *
 *   npx tsx bench/profile.ts loop [seconds]      toErrorResponse on a SignError(22) and on a plain Error, in a
 *                                                tight loop (errors built once: this is the response builder)
 *   npx tsx bench/profile.ts express [contender] [seconds]   an Express contender (default a) under autocannon
 *   npx tsx bench/profile.ts koa|fastify [contender] [seconds]  the same on Koa or Fastify (see contenders.ts)
 *
 * The profile (`node --cpu-prof`) is kept in node_modules/.cache/esign-errors-bench/profiles for Chrome
 * DevTools or speedscope.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Codes, SignError, toErrorResponse } from 'esign-errors'
import { CONTENDERS, type Contender } from './contenders.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DIR = `${ROOT}node_modules/.cache/esign-errors-bench/profiles`
const BUNDLE = `${ROOT}node_modules/.cache/esign-errors-bench/server.js`

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
}

const args = process.argv.slice(2)
const mode = args[0] ?? 'loop'
const contender = (CONTENDERS as readonly string[]).includes(args[1] ?? '') ? (args[1] as Contender) : 'a'
const seconds = Number(args.find((arg, i) => i > 0 && /^\d+(\.\d+)?$/.test(arg)) ?? 5)

if (mode === '--child') {
  loop(seconds)
} else {
  rmSync(DIR, { recursive: true, force: true })
  mkdirSync(DIR, { recursive: true })
  const profileArgs = ['--cpu-prof', `--cpu-prof-dir=${DIR}`]
  if (mode === 'loop') {
    const child = spawnSync(
      process.execPath,
      [...profileArgs, '--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(seconds)],
      { cwd: ROOT, stdio: 'inherit' },
    )
    if (child.status !== 0) throw new Error(`profiled loop exited with ${child.status}`)
  } else if (mode === 'express' || mode === 'koa' || mode === 'fastify') {
    // Imported here so that the profiled loop does not load autocannon and tsup.
    const { load, startServer } = await import('./http.js')
    const server = await startServer(mode, contender, profileArgs)
    await load(server, 1)
    const result = await load(server, seconds)
    console.log(
      `${mode} (${contender}): ${result.rps.toFixed(0)} req/s while profiled, ${result.unexpected} unexpected`,
    )
    await server.stop()
  } else {
    console.error('usage: profile.ts [loop [seconds] | express|koa|fastify [contender] [seconds]]')
    process.exit(2)
  }
  summarise()
}

function loop(limit: number): void {
  const request = {
    method: 'POST',
    url: '/login',
    headers: { host: '127.0.0.1:3000', 'user-agent': 'esign-bench/1.0', accept: 'application/json' },
  }
  const catalogError = new SignError(Codes.WrongPassword)
  const foreignError = new Error('connection refused')
  const end = Date.now() + limit * 1000
  let calls = 0
  let bytes = 0
  while (Date.now() < end) {
    for (let i = 0; i < 1000; i++) {
      bytes += toErrorResponse(catalogError, request).body.length
      bytes += toErrorResponse(foreignError, request).body.length
    }
    calls += 2000
  }
  console.log(
    `loop: ${calls} calls in ${limit} s, ${((limit * 1e9) / calls).toFixed(0)} ns per call (${bytes} bytes)`,
  )
}

/** Where a profile frame comes from: the bundle is split back into its sources by esbuild's `// path` marks. */
function locator(): (url: string, line: number) => string {
  let marks: { line: number; file: string }[] = []
  try {
    marks = readFileSync(BUNDLE, 'utf8')
      .split('\n')
      .flatMap((text, line) =>
        /^\/\/ (src|bench)\/[\w./-]+\.ts$/.test(text) ? [{ line, file: text.slice(3) }] : [],
      )
  } catch {
    // No bundle yet: only the loop was profiled.
  }
  return (url, line) => {
    if (url.endsWith('/esign-errors-bench/server.js')) {
      const mark = marks.findLast((candidate) => candidate.line <= line)
      return mark ? mark.file : 'bench bundle'
    }
    return url.replace(`file://${ROOT}`, '').replace(/^.*\/node_modules\//, '') || '(native)'
  }
}

function summarise(): void {
  const file = readdirSync(DIR).find((name) => name.endsWith('.cpuprofile'))
  if (!file) throw new Error(`no profile written in ${DIR}`)
  const profile = JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8')) as Profile
  const where = locator()
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, { hits: number; source: string }>()
  let busy = 0
  for (const id of profile.samples) {
    const frame = byId.get(id)!.callFrame
    if (frame.functionName === '(idle)') continue
    busy++
    const source = where(frame.url, frame.lineNumber)
    const name = `${frame.functionName || '(anonymous)'}  ${source}`
    const entry = self.get(name) ?? { hits: 0, source }
    entry.hits++
    self.set(name, entry)
  }
  const ranked = [...self].sort((a, b) => b[1].hits - a[1].hits)
  const print = (rows: typeof ranked) => {
    for (const [name, { hits }] of rows)
      console.log(`  ${((100 * hits) / busy).toFixed(1).padStart(5)}%  ${name}`)
  }
  console.log(`\nprofile ${DIR}/${file}: ${busy} busy samples`)
  console.log('top self time, everything:')
  print(ranked.slice(0, 20))
  console.log('top self time, src/:')
  print(ranked.filter(([, { source }]) => source.startsWith('src/')).slice(0, 12))
}
