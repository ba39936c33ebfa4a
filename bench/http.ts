/**
 * HTTP harness: starts contender servers in child processes and loads them with autocannon from this one.
 *
 * The server script is bundled once with tsup (as the package itself is built) into node_modules/.cache,
 * where its imports of express, koa and http-errors still resolve, and the children run it on plain Node:
 * eight children each compiling TypeScript at start-up cost seconds of CPU on a busy machine.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { build } from 'tsup'
import type { Contender, Framework } from './contenders.js'
import { EXPECTED_BODY, EXPECTED_STATUS, ROUTE } from './contenders.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT_DIR = `${ROOT}node_modules/.cache/esign-errors-bench`
const START_TIMEOUT_MS = 30_000

/** A running contender server. */
export interface Server {
  framework: Framework
  contender: Contender
  port: number
  /** Asks the child to exit and waits for it (killed after 5 s). */
  stop(): Promise<void>
}

let bundled: Promise<string> | undefined

/** Bundles `bench/server.ts` with the sources it imports; node_modules stay external. Once per process. */
function bundleServer(): Promise<string> {
  bundled ??= build({
    entry: { server: `${ROOT}bench/server.ts` },
    outDir: OUT_DIR,
    tsconfig: `${ROOT}tsconfig.json`,
    format: ['esm'],
    target: 'node20',
    config: false,
    silent: true,
    skipNodeModulesBundle: true,
    clean: false,
    dts: false,
    splitting: false,
    sourcemap: false,
  }).then(() => `${OUT_DIR}/server.js`)
  return bundled
}

/** Starts one contender in its own Node process; `nodeArgs` go before the script (e.g. `--cpu-prof`). */
export async function startServer(
  framework: Framework,
  contender: Contender,
  nodeArgs: string[] = [],
): Promise<Server> {
  const child = fork(await bundleServer(), [framework, contender], {
    cwd: ROOT,
    execArgv: nodeArgs,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`${framework} ${contender}: no port within ${START_TIMEOUT_MS} ms`))
    }, START_TIMEOUT_MS)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${framework} ${contender}: exited with ${code} before listening`))
    })
    child.once('message', (message) => {
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const port = (message as { port: number }).port
      resolve({ framework, contender, port, stop: () => stopChild(child) })
    })
  })
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    if (child.connected) child.send('stop')
    else child.kill()
  })
}

/** One bounded load of one server. */
export interface Load {
  /** Completed responses per second over the whole run. */
  rps: number
  total: number
  /** Responses with another status than expected, plus connection errors and timeouts. */
  unexpected: number
}

/** Loads a server for `seconds` with `connections` keep-alive connections, no pipelining. */
export async function load(
  server: Server,
  seconds: number,
  connections = 10,
  headers: Record<string, string> = {},
): Promise<Load> {
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}${ROUTE}`,
    connections,
    pipelining: 1,
    duration: seconds,
    headers,
  })
  const total = result.requests.total
  const expected = result.statusCodeStats?.[`${EXPECTED_STATUS[server.contender]}`]?.count ?? 0
  return {
    rps: total / result.duration,
    total,
    unexpected: total - expected + result.errors + result.timeouts,
  }
}

/** One request before any load: the status and body a contender answers with, for the report. */
export async function probe(server: Server): Promise<{ status: number; body: string; ok: boolean }> {
  const response = await fetch(`http://127.0.0.1:${server.port}${ROUTE}`, {
    signal: AbortSignal.timeout(5000),
  })
  const body = await response.text()
  return {
    status: response.status,
    body,
    ok:
      response.status === EXPECTED_STATUS[server.contender] && body.includes(EXPECTED_BODY[server.contender]),
  }
}
