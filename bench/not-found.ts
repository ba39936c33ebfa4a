/**
 * What a 404 and a 405 cost an Express 5 app with 10 routes and with 2,000: `notFound()` and `errorHandler()`
 * after that many `GET /r<i>/:id` routes, served by a child process, loaded by autocannon from this one.
 *
 *   npx tsx bench/not-found.ts [--seconds 5] [--rounds 3]
 *
 * Each round starts both apps afresh and loads, in turn, `GET /nowhere` (404), `DELETE /r7/D-1` (405) and, as a
 * control, `GET /r0/D-1` (200, the first route; no error path); then the same routes without this package,
 * where Express's own final handler answers `GET /nowhere` (its text/html 404): Express itself tries every
 * route's matcher on the way to any 404, so that is the floor. Reported: requests per second (median over the
 * rounds), the mean latency and, steadier on a shared machine, the server's CPU time per request. `ESIGN_SRC=<dir>` serves another copy of `src/` (e.g. an older commit's, from
 * `git archive <commit> src | tar -x -C /tmp/old`), to compare before and after.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const ROUTE_COUNTS = [10, 2000] as const
const TARGETS = [
  ['404', 'GET', '/nowhere'],
  ['405', 'DELETE', '/r7/D-1'],
  ['200', 'GET', '/r0/D-1'],
] as const

async function serve(routes: number, bare: boolean): Promise<void> {
  const src = process.env.ESIGN_SRC ?? new URL('../src', import.meta.url).pathname
  const { errorHandler, notFound } = (await import(
    `${src}/express.ts`
  )) as typeof import('../src/express/index.js')
  const { default: express } = await import('express')
  const app = express()
  for (let i = 0; i < routes; i++) {
    app.get(`/r${i}/:id`, (_req, res) => {
      res.json({ ok: true })
    })
  }
  if (!bare) {
    app.use(notFound())
    app.use(errorHandler({ log: false }))
  }
  const server = app.listen(0, '127.0.0.1', () => {
    process.send?.((server.address() as AddressInfo).port)
  })
  process.on('message', (message) => {
    if (message === 'usage') {
      const { user, system } = process.cpuUsage()
      process.send?.({ cpu: user + system })
    } else server.close(() => process.exit(0))
  })
}

async function start(routes: number, bare: boolean): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(new URL(import.meta.url).pathname, ['serve', String(routes), bare ? 'bare' : 'ours'], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  })
  const [port] = (await once(child, 'message')) as [number]
  return { child, port }
}

/** The server's CPU time so far, user and system, in µs: unlike req/s, barely moved by other load on the machine. */
async function cpuOf(child: ChildProcess): Promise<number> {
  child.send('usage')
  const [reply] = (await once(child, 'message')) as [{ cpu: number }]
  return reply.cpu
}

async function load(child: ChildProcess, port: number, method: string, path: string, seconds: number) {
  const before = await cpuOf(child)
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: method as 'GET',
    connections: 10,
    duration: seconds,
  })
  const cpu = (await cpuOf(child)) - before
  return {
    rps: result.requests.average,
    latency: result.latency.average,
    cpuPerRequest: cpu / result.requests.total,
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' } },
  })
  const seconds = Number(values.seconds)
  const rounds = Number(values.rounds)
  const rps = new Map<string, number[]>()
  const latency = new Map<string, number[]>()
  const cpu = new Map<string, number[]>()
  for (let round = 0; round < rounds; round++) {
    for (const [routes, bare] of ROUTE_COUNTS.flatMap((count) => [
      [count, false] as const,
      [count, true] as const,
    ])) {
      const { child, port } = await start(routes, bare)
      const targets = bare ? TARGETS.slice(0, 1) : TARGETS
      // Warm-up: the JIT and, for notFound(), the first walk of every matcher.
      for (const [, method, path] of targets) await load(child, port, method, path, 1)
      for (const [label, method, path] of targets) {
        const measured = await load(child, port, method, path, seconds)
        const key = `${routes} routes, ${label}${bare ? ' (Express alone)' : ''}`
        rps.set(key, [...(rps.get(key) ?? []), measured.rps])
        latency.set(key, [...(latency.get(key) ?? []), measured.latency])
        cpu.set(key, [...(cpu.get(key) ?? []), measured.cpuPerRequest])
      }
      child.send('stop')
      await once(child, 'exit')
    }
  }
  console.log(`| target | server CPU µs per request | req/s | mean latency ms |  (medians of ${rounds})`)
  console.log('|---|---:|---:|---:|')
  for (const [key, values] of rps) {
    const row = [
      key,
      median(cpu.get(key) ?? []).toFixed(0),
      Math.round(median(values)),
      median(latency.get(key) ?? []).toFixed(2),
    ]
    console.log(`| ${row.join(' | ')} |`)
  }
}

if (process.argv[2] === 'serve') await serve(Number(process.argv[3]), process.argv[4] === 'bare')
else await main()
