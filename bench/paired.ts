/**
 * Paired throughput of two server files, the method of METHOD.md in a form any pair can use: in every round
 * both servers are fresh processes pinned to the same CPU and loaded at the same time, so the ratio of their
 * req/s is the inverse ratio of their CPU cost per answer and whatever else the machine does hits both alike.
 * Which one starts and is loaded first alternates by round; the figure is the median ratio over the rounds.
 *
 * A server file starts one server on 127.0.0.1 and sends its port to the parent (`process.send(port)`). A spec
 * may carry environment for it: `bench/success/koa.mjs?MOUNTED=1&STREAM=1`. Files are run on plain Node from
 * the project root, so they import the built package (`npm run build`).
 */
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { forkReady } from './http.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** How a pair is loaded. */
export interface PairOptions {
  rounds: number
  /** Seconds of the measured load of each round. */
  seconds: number
  /** Seconds of load before it, on the same fresh processes: connections and JIT. */
  warmup: number
  /** Keep-alive connections per server. */
  connections?: number
  /** The path every request asks for. */
  path?: string
  /** Request headers of every request. */
  headers?: Record<string, string>
  /** The CPU both servers are pinned to; none when pinning is not possible. */
  cpu?: number | undefined
  /** The status every answer must have: a pair whose answers differ measures nothing. */
  status: number
  /**
   * Whether both sides must send the same answer, byte for byte (status, headers but `date`, body), checked on
   * one request before the first round's load. On by default; a pair of two ways to answer differently
   * (10 routes against 2,000, say) may turn it off.
   */
  same?: boolean
}

/** A pair's figure: the median of the per-round ratios of req/s (A over B), and the rounds themselves. */
export interface PairResult {
  ratio: number
  rounds: number[]
  /** Median req/s of each side, for the record: they depend on the machine, the ratio much less. */
  rps: [a: number, b: number]
  /** Answers with another status than expected, and errors, over every round: must be 0. */
  unexpected: number
}

interface Running {
  child: ChildProcess
  port: number
}

async function start(spec: string, cpu: number | undefined): Promise<Running> {
  const [file, query = ''] = spec.split('?') as [string, string?]
  const env = { ...process.env, NODE_ENV: 'production', ...Object.fromEntries(new URLSearchParams(query)) }
  // Plain Node, whatever runs this script: under `npx tsx` the children would inherit its loader, which
  // costs every server two to three times the CPU per answer and hides what the pair is there to show.
  const { child, hello } = await forkReady(`${ROOT}${file}`, [], {
    name: spec,
    env,
    execArgv: [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    cpu,
  })
  const port = typeof hello === 'number' ? hello : (hello as { port: number }).port
  return { child, port }
}

function stop(server: Running): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve())
    server.child.kill()
  })
}

async function load(
  port: number,
  seconds: number,
  options: PairOptions,
): Promise<{ rps: number; unexpected: number }> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${options.path ?? '/'}`,
    connections: options.connections ?? 10,
    pipelining: 1,
    duration: seconds,
    // autocannon checks the duration once per sample: the default of 1 s would stretch a short load.
    sampleInt: 100,
    headers: options.headers ?? {},
  })
  const total = result.requests.total
  const expected = result.statusCodeStats?.[`${options.status}`]?.count ?? 0
  return { rps: total / result.duration, unexpected: total - expected + result.errors + result.timeouts }
}

/** Loads both at once; `aFirst` decides whose load starts first (by a microtask: they overlap in full). */
async function both(a: Running, b: Running, seconds: number, aFirst: boolean, options: PairOptions) {
  if (aFirst) return Promise.all([load(a.port, seconds, options), load(b.port, seconds, options)])
  const [rb, ra] = await Promise.all([load(b.port, seconds, options), load(a.port, seconds, options)])
  return [ra, rb] as const
}

/** One request: the status line's code, the headers but those that vary by the second, and the body. */
async function answer(port: number, options: PairOptions): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}${options.path ?? '/'}`, {
    headers: options.headers ?? {},
    signal: AbortSignal.timeout(5000),
  })
  const headers = [...response.headers].filter(
    ([name]) => name !== 'date' && name !== 'keep-alive' && name !== 'connection',
  )
  return `${response.status}\n${headers.map(([name, value]) => `${name}: ${value}`).join('\n')}\n\n${await response.text()}`
}

/** Stops the run when the two sides do not answer alike, or not with the expected status. */
async function checkAnswers(
  a: Running,
  b: Running,
  labels: [string, string],
  options: PairOptions,
): Promise<void> {
  const [x, y] = await Promise.all([answer(a.port, options), answer(b.port, options)])
  if (!x.startsWith(`${options.status}\n`))
    throw new Error(`${labels[0]} answered\n${x}\nnot ${options.status}`)
  if (options.same !== false && x !== y) {
    throw new Error(
      `${labels[0]} and ${labels[1]} do not answer alike:\n--- ${labels[0]}\n${x}\n--- ${labels[1]}\n${y}`,
    )
  }
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!

/**
 * Runs a pair: `a` and `b` are server specs; pass the same spec twice for an A/A control. `onRound` hears of
 * each round's ratio as it is taken.
 */
export async function runPair(
  a: string,
  b: string,
  options: PairOptions,
  onRound?: (round: number, ratio: number) => void,
): Promise<PairResult> {
  const ratios: number[] = []
  const rpsA: number[] = []
  const rpsB: number[] = []
  let unexpected = 0
  for (let round = 0; round < options.rounds; round++) {
    const aFirst = round % 2 === 0
    const first = await start(aFirst ? a : b, options.cpu)
    const second = await start(aFirst ? b : a, options.cpu).catch(async (error: unknown) => {
      await stop(first)
      throw error
    })
    const [x, y] = aFirst ? [first, second] : [second, first]
    try {
      if (round === 0) await checkAnswers(x, y, [a, b], options)
      if (options.warmup > 0) await both(x, y, options.warmup, aFirst, options)
      const [ra, rb] = await both(x, y, options.seconds, aFirst, options)
      // A side that answered nothing (the machine stalled) gives no ratio, and counts as unexpected.
      if (ra.rps === 0 || rb.rps === 0) unexpected += 1
      else ratios.push(ra.rps / rb.rps)
      rpsA.push(ra.rps)
      rpsB.push(rb.rps)
      unexpected += ra.unexpected + rb.unexpected
      onRound?.(round, ra.rps / rb.rps)
    } finally {
      await Promise.all([stop(x), stop(y)])
    }
  }
  return { ratio: median(ratios), rounds: ratios, rps: [median(rpsA), median(rpsB)], unexpected }
}

/** A ratio with its rounds' spread: `0.993 (0.948–1.018)`. */
export function formatPair(result: PairResult): string {
  const low = Math.min(...result.rounds)
  const high = Math.max(...result.rounds)
  return `${result.ratio.toFixed(3)} (${low.toFixed(3)}–${high.toFixed(3)})`
}
