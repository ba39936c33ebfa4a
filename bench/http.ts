/**
 * HTTP harness: starts contender servers in child processes and loads them with autocannon from this one.
 *
 * The server script is bundled once with tsup (as the package itself is built) into node_modules/.cache,
 * where its imports of express, koa and http-errors still resolve, and the children run it on plain Node:
 * two dozen children each compiling TypeScript at start-up would cost seconds of CPU on a busy machine.
 */
import { type ChildProcess, execFileSync, fork, type StdioOptions } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { build } from 'tsup'
import type { Contender, Framework } from './contenders.js'
import { EXPECTED_STATUS, expectedBody, ROUTE, requestHeaders } from './contenders.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT_DIR = `${ROOT}node_modules/.cache/esign-errors-bench`
const START_TIMEOUT_MS = 30_000

/** A running contender server. */
export interface Server {
  framework: Framework
  contender: Contender
  port: number
  /** CPU time the server process has used so far, user and system, in µs. */
  cpu(): Promise<number>
  /** Starts V8's CPU profiler in the server (a sample every millisecond, V8's default). */
  startProfile(): Promise<void>
  /** Stops it and writes the profile (`.cpuprofile` JSON) to `file`. */
  stopProfile(file: string): Promise<void>
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

/** How a contender is started. */
export interface StartOptions {
  /** Node options before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[] | undefined
  /** Pin the server, every thread of it, to this CPU (Linux `taskset`); see {@link canPin}. */
  cpu?: number
}

/** Starts one contender in its own Node process. */
export async function startServer(
  framework: Framework,
  contender: Contender,
  { nodeArgs = [], cpu }: StartOptions = {},
): Promise<Server> {
  const { child, hello } = await forkReady(await bundleServer(), [framework, contender], {
    name: `${framework} ${contender}`,
    execArgv: nodeArgs,
    env: { ...process.env, NODE_ENV: 'production' },
    cpu,
  })
  const port = (hello as { port: number }).port
  return {
    framework,
    contender,
    port,
    stop: () => stopChild(child),
    cpu: () => ask<number>(child, 'usage', 'usage'),
    startProfile: async () => {
      await ask(child, 'profile', 'profiling')
    },
    stopProfile: async (file) => {
      await ask(child, { profileTo: file }, 'profiled')
    },
  }
}

/** How {@link forkReady} starts a child. */
export interface ForkOptions {
  /** What the child is called in errors. */
  name: string
  env: NodeJS.ProcessEnv
  /** Node options before the script; none by default, whatever runs this script (tsx's loader stays out). */
  execArgv?: string[] | undefined
  stdio?: StdioOptions | undefined
  /** Pin the child, every thread of it, to this CPU once it is ready. */
  cpu?: number | undefined
}

/**
 * Forks `file` from the project root and resolves with the child and the first message it sends (a server's
 * port, a client's `'loaded'`), once it has sent one. Pinned then, if asked: by then Node has started the
 * threads it starts with (V8's workers, libuv's pool if anything used it), and `-a` moves every one of them;
 * threads started later inherit the mask. Killed, and rejected, if it sends nothing within 30 s; rejected if
 * it exits first.
 */
export function forkReady(
  file: string,
  args: string[],
  { name, env, execArgv = [], stdio = ['ignore', 'inherit', 'inherit', 'ipc'], cpu }: ForkOptions,
): Promise<{ child: ChildProcess; hello: unknown }> {
  const child = fork(file, args, { cwd: ROOT, execArgv, env, stdio })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill()
      reject(new Error(`${name}: not ready within ${START_TIMEOUT_MS} ms`))
    }, START_TIMEOUT_MS)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${code}) before it was ready`))
    })
    child.once('message', (hello) => {
      clearTimeout(timer)
      child.removeAllListeners('exit')
      if (cpu !== undefined && child.pid !== undefined) pin(child.pid, cpu)
      resolve({ child, hello })
    })
  })
}

/** Whether this machine can pin processes to CPUs: Linux with `taskset`, and at least two CPUs. */
export function canPin(): boolean {
  if (process.platform !== 'linux' || availableParallelism() < 2) return false
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Pins a process and all its threads to one CPU. */
export function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' })
}

/**
 * Sends `message` to the server and resolves with the `key` member of its first reply that has one; rejects
 * if the server exits first, so that a crashed server stops the run rather than hanging it.
 */
function ask<T>(child: ChildProcess, message: unknown, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (reply: unknown) => {
      if (typeof reply !== 'object' || reply === null || !(key in reply)) return
      done()
      resolve((reply as Record<string, T>)[key]!)
    }
    const exited = (code: number | null) => {
      done()
      reject(new Error(`server exited (${code}) before answering ${JSON.stringify(message)}`))
    }
    const done = () => {
      child.off('message', listener)
      child.off('exit', exited)
    }
    if (!child.connected) {
      reject(new Error(`server gone before ${JSON.stringify(message)}`))
      return
    }
    child.on('message', listener)
    child.once('exit', exited)
    child.send(message as string, (error) => {
      if (error === null) return
      done()
      reject(error)
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

/**
 * Loads a server for `seconds` with `connections` keep-alive connections, no pipelining. Every request carries
 * the contender's own headers ((p) and (q) ask for problem+json), then `headers`.
 */
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
    // autocannon checks the duration once per sample: the default of 1 s would stretch a 0.5 s load to 1 s.
    sampleInt: 100,
    headers: { ...requestHeaders(server.contender), ...headers },
  })
  const total = result.requests.total
  const expected = result.statusCodeStats?.[`${EXPECTED_STATUS}`]?.count ?? 0
  return {
    rps: total / result.duration,
    total,
    unexpected: total - expected + result.errors + result.timeouts,
  }
}

/** What one request before any load got back. */
export interface Probe {
  status: number
  body: string
  /** Header names, sorted, without those the transport adds (`date`, `connection`, `keep-alive`). */
  headerNames: string[]
  ok: boolean
}

/** One request before any load: the status, headers and body a contender answers with, for the checks. */
export async function probe(server: Server): Promise<Probe> {
  const response = await fetch(`http://127.0.0.1:${server.port}${ROUTE}`, {
    headers: requestHeaders(server.contender),
    signal: AbortSignal.timeout(5000),
  })
  const body = await response.text()
  const headerNames = [...response.headers.keys()]
    .filter((name) => name !== 'date' && name !== 'connection' && name !== 'keep-alive')
    .sort()
  return {
    status: response.status,
    body,
    headerNames,
    ok: response.status === EXPECTED_STATUS && body.includes(expectedBody(server.contender)),
  }
}
