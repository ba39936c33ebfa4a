/**
 * CPU profile of the error path, summarised as the functions with the most self time.
 *
 *   npx tsx bench/profile.ts loop [seconds]      toErrorResponse on a SignError(22) and on a plain Error, in a
 *                                                tight loop (errors built once: this is the response builder)
 *   npx tsx bench/profile.ts express [contender] [seconds]   an Express contender (default a) under autocannon
 *   npx tsx bench/profile.ts koa|fastify [contender] [seconds]  the same on Koa or Fastify (see contenders.ts)
 *   … --no-inlining                              V8 inlines callees into their callers, whose self time
 *                                                then holds theirs: this keeps each function's time its own
 *
 * For a server, the hottest lines of src/ and bench/ are printed too.
 *
 * The profile (`node --cpu-prof`) is kept in node_modules/.cache/esign-errors-bench/profiles for Chrome
 * DevTools or speedscope.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Codes, SignError, toErrorResponse } from 'esign-errors'
import { CONTENDERS, type Contender } from './contenders.js'
import { hotLines, OWNER_LABELS, type SelfTime, summarise } from './cpu-profile.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DIR = `${ROOT}node_modules/.cache/esign-errors-bench/profiles`

const args = process.argv.slice(2)
const mode = args[0] ?? 'loop'
const contender = (CONTENDERS as readonly string[]).includes(args[1] ?? '') ? (args[1] as Contender) : 'a'
const seconds = Number(args.find((arg, i) => i > 0 && /^\d+(\.\d+)?$/.test(arg)) ?? 5)
const inlining = !args.includes('--no-inlining')

if (mode === '--child') {
  loop(seconds)
} else {
  rmSync(DIR, { recursive: true, force: true })
  mkdirSync(DIR, { recursive: true })
  const profileArgs = ['--cpu-prof', `--cpu-prof-dir=${DIR}`, ...(inlining ? [] : ['--no-turbo-inlining'])]
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
    const server = await startServer(mode, contender, { nodeArgs: profileArgs })
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
  print(mode !== 'loop')
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

function print(server: boolean): void {
  const file = readdirSync(DIR).find((name) => name.endsWith('.cpuprofile'))
  if (!file) throw new Error(`no profile written in ${DIR}`)
  const { busy, functions, owners } = summarise(`${DIR}/${file}`)
  const percent = (share: number) => `${(100 * share).toFixed(1).padStart(5)}%`
  const rows = (list: SelfTime[]) => {
    for (const { name, hits } of list) console.log(`  ${percent(hits / busy)}  ${name}`)
  }
  console.log(`\nprofile ${DIR}/${file}: ${busy} busy samples`)
  console.log('self time by owner:')
  for (const [owner, share] of [...owners].sort((a, b) => b[1] - a[1]))
    console.log(`  ${percent(share)}  ${OWNER_LABELS[owner]}`)
  console.log('top self time, everything:')
  rows(functions.slice(0, 20))
  console.log('top self time, src/:')
  rows(functions.filter(({ source }) => source.startsWith('src/')).slice(0, 12))
  if (!server) return
  const lines = hotLines(`${DIR}/${file}`, 15)
  console.log('hottest lines of src/ and bench/:')
  for (const line of lines) {
    console.log(
      `  ${percent(line.ticks / busy)}  ${line.source} ${line.functionName}: ${line.text.slice(0, 100)}`,
    )
  }
}
