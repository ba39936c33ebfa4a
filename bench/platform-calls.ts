/**
 * The platform client's calls per second against the fake platform over loopback, beside a client written by
 * hand with node:crypto and the global fetch that makes byte for byte the same requests and checks the answers
 * as ours does (issue 26, target 4: >= 0.95).
 *
 * The call: the first page of `contract/list` (10 documents with their signers, `rDetail` 2), the call
 * `listContracts()` and every `signingStatus()` make: a cached token, encrypted `data` and `mac` in the query,
 * and an answer of about 7 KB (3.4 KB of JSON inside) whose `mac` is verified and whose `data` is decrypted
 * and parsed.
 *
 * Paired, as METHOD.md measures servers: each round, two fresh client processes (ours and the hand-written one)
 * pinned to the same CPU, each calling its own fake platform (a process of its own, both pinned to the other
 * CPU), warmed up together and then loaded at the same time, `concurrency` calls in flight each; the ratio of
 * their calls per second is taken per round, the start order alternating, and the median reported beside an
 * A/A control (ours against ours) measured in the same rounds. Before the first round both clients call one fake
 * through a recording proxy, and their requests must have the same lines (the token aside) and headers (in any order), and their answers the
 * same value.
 *
 *   npm run build && npx tsx bench/platform-calls.ts [--rounds 9] [--seconds 3] [--warmup 2] [--guarded] [--node-http] [--profile]
 *
 * `--guarded` adds a pair per round: ours against the hand-written client with what any client that may not
 * hang adds (a timeout per exchange, the cheapest way, and redirects not followed), to tell that cost apart.
 *
 * `--node-http` adds one more: ours against that guarded client making its requests with node:http instead of
 * fetch, as ours does on Node (src/upstream/node-exchange.ts): what our client costs over the cheapest transport.
 *
 * `--profile` writes a CPU profile of every client process (`--cpu-prof`) to
 * node_modules/.cache/esign-errors-bench/platform-calls.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { loadavg } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { canPin, forkReady, pin } from './http.js'
import { median } from './stats.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DIR = fileURLToPath(new URL('platform-calls/', import.meta.url))
const PROFILE_DIR = `${ROOT}node_modules/.cache/esign-errors-bench/platform-calls`
// The clients share one CPU; their fakes, and this process, the other.
const CLIENT_CPU = 1
const FAKE_CPU = 0
// Asked when this module loads: `availableParallelism()` counts the CPUs this process may run on, one once it
// pinned itself (bench/run.ts pins itself before it measures).
const PINNABLE = canPin()

/**
 * Whose client a process runs: `guarded` is the hand-written one with a timeout, redirects not followed;
 * `node-http` the same, over node:http instead of fetch.
 */
type Side = 'ours' | 'hand' | 'guarded' | 'node-http'

/** How {@link measurePlatformCalls} loads. */
export interface PlatformCallsOptions {
  rounds: number
  /** Seconds of the measured load of each pair. */
  seconds: number
  /** Seconds of load before it, on the same processes: connections and JIT. */
  warmup: number
  /**
   * Calls each client makes in the warm-up at least, however long they take: on a busy machine the seconds
   * alone may leave the code cold. Default 1000.
   */
  warmupCalls?: number
  /** Calls in flight per client. Default 8. */
  concurrency?: number
  /** Write a CPU profile of each client process. */
  profile?: boolean
  /**
   * A third pair each round: ours / the hand-written client with the least any client that may not hang
   * must add (a timeout per exchange, redirects not followed), to tell that cost from the rest.
   */
  guarded?: boolean
  /**
   * A pair more each round: ours / the guarded hand-written client over node:http (its global agent) instead
   * of fetch, as our client calls on Node: what the client costs over the cheapest transport.
   */
  nodeHttp?: boolean
  /** Pin the processes (default: where the machine can, see `canPin`). */
  pin?: boolean
  /** Hears of each round's ratios as they are taken. */
  onRound?: (round: number, ratio: number, aa: number) => void
}

/** One client's measured load. */
interface Ran {
  calls: number
  /** Calls that failed, and why the first did. */
  errors: number
  firstError?: string
  ms: number
  /** CPU time the client used over the load, µs. */
  cpuUs: number
}

/** One pair's load: each client's, and the CPU share both fakes took of their CPU. */
interface PairRun {
  a: Ran
  b: Ran
  fakeShare: number
}

/** What {@link measurePlatformCalls} found. */
export interface PlatformCalls {
  /** Median over rounds of calls/s ours / hand-written. */
  ratio: number
  rounds: number[]
  /** The A/A control: ours / ours, in the same rounds. */
  aa: { ratio: number; rounds: number[] }
  /** With `guarded`: ours / the hand-written client with a timeout, in the same rounds. */
  guarded?: { ratio: number; rounds: number[] }
  /** With `nodeHttp`: ours / the guarded hand-written client over node:http, in the same rounds. */
  nodeHttp?: { ratio: number; rounds: number[] }
  /** Median calls/s of each side in the ours / hand-written pair. */
  callsPerSecond: [ours: number, hand: number]
  /** Median CPU time per call of each side in that pair, µs. */
  cpuPerCall: [ours: number, hand: number]
  /** Highest share of their CPU the two fakes used in any load: near 1, the fakes and not the clients set the pace. */
  fakeShare: number
  /** Calls that failed in the measured loads, any side: 0 in a clean run. */
  errors: number
  /** Why the first of them failed. */
  firstError?: string
  /** Whether the processes were pinned (Linux, taskset, 2 CPUs or more). */
  pinned: boolean
  /** What the check before the first round compared. */
  check: RequestCheck
  concurrency: number
}

/** The check that both clients send the same requests and read the same answer. */
export interface RequestCheck {
  /** Requests each client sent (the token's and the call's). */
  requests: number
  /** Bytes our client sent, request lines, headers and bodies. */
  bytes: number
  /** The header names each client sent with its first request. */
  headers: { ours: string; hand: string }
  /** The call's request as sent, the token, `data` and `mac` shortened, for the record. */
  sample: string
  /** Bytes of the decrypted answer, as JSON, which both read alike. */
  answerBytes: number
}

interface Child {
  process: ChildProcess
  /** The first message it sent: a client's `'loaded'`, a fake's address. */
  hello: unknown
}

async function start(
  file: string,
  env: Record<string, string>,
  cpu: number | undefined,
  execArgv: string[] = [],
): Promise<Child> {
  // execArgv set, never inherited: under tsx it would carry tsx's loader into children that need none.
  const { child, hello } = await forkReady(`${DIR}${file}`, [], {
    name: file,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    execArgv,
    cpu,
  })
  return { process: child, hello }
}

/** Sends `message` and resolves with the `key` member of the first reply that has one; a child's error rejects. */
function ask<T>(child: Child, message: unknown, key: string): Promise<T> {
  const { process: target } = child
  return new Promise((resolve, reject) => {
    const listener = (reply: unknown) => {
      if (typeof reply !== 'object' || reply === null) return
      if ('error' in reply) {
        done()
        reject(new Error(`client: ${(reply as { error: string }).error}`))
      } else if (key in reply) {
        done()
        resolve((reply as Record<string, T>)[key]!)
      }
    }
    const exited = (code: number | null) => {
      done()
      reject(new Error(`child exited (${code}) before answering ${JSON.stringify(message)}`))
    }
    const done = () => {
      target.off('message', listener)
      target.off('exit', exited)
    }
    target.on('message', listener)
    target.once('exit', exited)
    target.send(message as string)
  })
}

function stop(child: Child): Promise<void> {
  const { process: target } = child
  if (target.exitCode !== null || target.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    // A clean exit, so that --cpu-prof writes its profile; killed if it hangs.
    const timer = setTimeout(() => target.kill('SIGKILL'), 5000)
    target.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    if (target.connected) target.send('stop')
    else target.kill()
  })
}

interface Address {
  baseUrl: string
  apiKey: string
  apiSecret: string
}

/** Starts each side's client and its own fake, in `order`; the clients have made their first call. */
async function startPair(sides: [Side, Side], options: PlatformCallsOptions, cpus: boolean) {
  const started: Child[] = []
  try {
    const clients: Child[] = []
    const profiles: string[] = []
    for (const side of sides) {
      const fake = await start('fake.mjs', {}, cpus ? FAKE_CPU : undefined)
      started.push(fake)
      const profile = `${side}-${Date.now()}-${started.length}.cpuprofile`
      profiles.push(profile)
      const execArgv = options.profile
        ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profile}`]
        : []
      const client = await start('client.mjs', { SIDE: side }, cpus ? CLIENT_CPU : undefined, execArgv)
      started.push(client)
      await ask(client, { setup: fake.hello as Address }, 'answer')
      clients.push(client)
    }
    const fakes = started.filter((child) => !clients.includes(child))
    return { clients: clients as [Child, Child], fakes, all: started, profiles }
  } catch (error) {
    await Promise.all(started.map(stop))
    throw error
  }
}

/** Both clients loaded at the same time; `aFirst` decides whose load is asked for first. */
async function loadBoth(
  clients: [Child, Child],
  ms: number,
  concurrency: number,
  aFirst: boolean,
  minCalls = 0,
) {
  const message = { run: ms, concurrency, minCalls }
  const [a, b] = clients
  if (aFirst) return Promise.all([ask<Ran>(a, message, 'ran'), ask<Ran>(b, message, 'ran')])
  const [rb, ra] = await Promise.all([ask<Ran>(b, message, 'ran'), ask<Ran>(a, message, 'ran')])
  return [ra, rb] as const
}

/** One pair of fresh processes: warmed up together, then loaded together. */
async function runPair(sides: [Side, Side], aFirst: boolean, options: PlatformCallsOptions, cpus: boolean) {
  const ordered: [Side, Side] = aFirst ? sides : [sides[1], sides[0]]
  const { clients, fakes, all, profiles } = await startPair(ordered, options, cpus)
  const inOrder: [Child, Child] = aFirst ? clients : [clients[1], clients[0]]
  const concurrency = options.concurrency ?? 8
  try {
    const warm = await loadBoth(
      inOrder,
      options.warmup * 1000,
      concurrency,
      aFirst,
      options.warmupCalls ?? 1000,
    )
    const usage = () => Promise.all(fakes.map((fake) => ask<number>(fake, 'usage', 'usage')))
    const before = await usage()
    const [a, b] = await loadBoth(inOrder, options.seconds * 1000, concurrency, aFirst)
    const after = await usage()
    const fakeUs = after.reduce((sum, value, i) => sum + value - before[i]!, 0)
    if (options.profile) {
      // What each profile covers, to read its time per call: the first call, the warm-up and the load.
      const [pa, pb] = aFirst ? profiles : [profiles[1], profiles[0]]
      console.error(`profiled ${pa}: ${1 + warm[0].calls + a.calls} calls`)
      console.error(`profiled ${pb}: ${1 + warm[1].calls + b.calls} calls`)
    }
    return { a, b, fakeShare: fakeUs / (Math.max(a.ms, b.ms) * 1000) } satisfies PairRun
  } finally {
    await Promise.all(all.map(stop))
  }
}

const perSecond = (ran: Ran) => (ran.calls / ran.ms) * 1000

/**
 * A client's requests (GETs, without bodies) with the order of their headers set aside: each request line and
 * its header lines, sorted. Our client on Node sends what Node's fetch sends, in node:http's order.
 */
function essentials(bytes: string): string {
  return heads(bytes)
    .map(([line, ...headers]) => [line, ...headers.map((header) => header.toLowerCase()).sort()].join('\r\n'))
    .join('\r\n\r\n')
}

/** The header names of a client's first request, in the order sent. */
function headerNames(bytes: string): string {
  const [, ...headers] = heads(bytes)[0] ?? []
  return headers.map((header) => header.slice(0, header.indexOf(':')).toLowerCase()).join(', ')
}

const heads = (bytes: string) =>
  bytes
    .split('\r\n\r\n')
    .filter((head) => head !== '')
    .map((head) => head.split('\r\n'))

/**
 * Both clients call one fake through a proxy that records the bytes each sends: they must be the same (the token
 * each was given aside), and the answers they read the same value. Throws when they are not.
 */
export async function checkRequests(): Promise<RequestCheck> {
  const fake = await start('fake.mjs', {}, undefined)
  const address = fake.hello as Address
  const fakePort = Number(new URL(address.baseUrl).port)
  let recording: Buffer[] = []
  const sockets = new Set<Socket>()
  const proxy = createServer((socket) => {
    const sink = recording
    const upstream = createConnection(fakePort, '127.0.0.1')
    sockets.add(socket).add(upstream)
    socket.on('data', (chunk) => {
      sink.push(chunk)
      upstream.write(chunk)
    })
    upstream.on('data', (chunk) => socket.write(chunk))
    socket.on('close', () => upstream.destroy())
    upstream.on('close', () => socket.destroy())
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const proxyPort = (proxy.address() as { port: number }).port
  const through = { ...address, baseUrl: address.baseUrl.replace(`:${fakePort}/`, `:${proxyPort}/`) }
  try {
    const seen: { bytes: string; answer: string }[] = []
    for (const side of ['ours', 'hand', 'guarded', 'node-http'] as const) {
      recording = []
      const client = await start('client.mjs', { SIDE: side }, undefined)
      try {
        const answer = await ask<string>(client, { setup: through }, 'answer')
        seen.push({ bytes: Buffer.concat(recording).toString('latin1'), answer })
      } finally {
        await stop(client)
      }
    }
    const [ours, ...hands] = seen as [
      { bytes: string; answer: string },
      ...{ bytes: string; answer: string }[],
    ]
    // Each client got a token of its own from the fake: the only bytes of a request line that may differ.
    const tokenless = (bytes: string) => bytes.replace(/accesstoken=[0-9a-f-]{36}/g, 'accesstoken=<token>')
    for (const hand of hands) {
      if (tokenless(essentials(ours.bytes)) !== tokenless(essentials(hand.bytes))) {
        throw new Error(
          `the clients do not send the same requests:\n--- ours\n${ours.bytes}\n--- hand-written\n${hand.bytes}`,
        )
      }
      if (ours.answer !== hand.answer) {
        throw new Error(`the clients do not read the same answer:\n${ours.answer}\n${hand.answer}`)
      }
    }
    const requests = ours.bytes.split('\r\n\r\n').filter((part) => part !== '')
    const call = requests.find((request) => request.includes('contract/list')) ?? ''
    return {
      requests: requests.length,
      bytes: ours.bytes.length,
      headers: { ours: headerNames(ours.bytes), hand: headerNames(hands[0]!.bytes) },
      sample: tokenless(call).replace(/(data|mac)=([0-9a-f]{8})[0-9a-f]+/g, '$1=$2…'),
      answerBytes: Buffer.byteLength(ours.answer),
    }
  } finally {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => proxy.close(resolve))
    await stop(fake)
  }
}

/**
 * Runs the check, then `rounds` rounds of two pairs, ours / hand-written and ours / ours (the A/A control), the
 * order of the pairs and the start order within each alternating by round.
 */
export async function measurePlatformCalls(options: PlatformCallsOptions): Promise<PlatformCalls> {
  const pinned = options.pin ?? PINNABLE
  if (options.profile) mkdirSync(PROFILE_DIR, { recursive: true })
  const check = await checkRequests()
  const ratios: number[] = []
  const aaRatios: number[] = []
  const guardedRatios: number[] = []
  const nodeHttpRatios: number[] = []
  const ours: number[] = []
  const hand: number[] = []
  const oursCpu: number[] = []
  const handCpu: number[] = []
  let fakeShare = 0
  let errors = 0
  let firstError: string | undefined
  const note = (run: PairRun) => {
    fakeShare = Math.max(fakeShare, run.fakeShare)
    for (const ran of [run.a, run.b]) {
      errors += ran.errors
      firstError ??= ran.firstError
    }
  }
  for (let round = 0; round < options.rounds; round++) {
    const aFirst = round % 2 === 0
    const pairs = [
      async () => {
        const run = await runPair(['ours', 'hand'], aFirst, options, pinned)
        ratios.push(perSecond(run.a) / perSecond(run.b))
        ours.push(perSecond(run.a))
        hand.push(perSecond(run.b))
        oursCpu.push(run.a.cpuUs / run.a.calls)
        handCpu.push(run.b.cpuUs / run.b.calls)
        note(run)
      },
      async () => {
        const run = await runPair(['ours', 'ours'], aFirst, options, pinned)
        aaRatios.push(perSecond(run.a) / perSecond(run.b))
        note(run)
      },
    ]
    if (options.guarded) {
      pairs.push(async () => {
        const run = await runPair(['ours', 'guarded'], aFirst, options, pinned)
        guardedRatios.push(perSecond(run.a) / perSecond(run.b))
        note(run)
      })
    }
    if (options.nodeHttp) {
      pairs.push(async () => {
        const run = await runPair(['ours', 'node-http'], aFirst, options, pinned)
        nodeHttpRatios.push(perSecond(run.a) / perSecond(run.b))
        note(run)
      })
    }
    for (const pair of aFirst ? pairs : pairs.reverse()) await pair()
    options.onRound?.(round, ratios.at(-1)!, aaRatios.at(-1)!)
  }
  return {
    ratio: median(ratios),
    rounds: ratios,
    aa: { ratio: median(aaRatios), rounds: aaRatios },
    ...(options.guarded ? { guarded: { ratio: median(guardedRatios), rounds: guardedRatios } } : {}),
    ...(options.nodeHttp ? { nodeHttp: { ratio: median(nodeHttpRatios), rounds: nodeHttpRatios } } : {}),
    callsPerSecond: [median(ours), median(hand)],
    cpuPerCall: [median(oursCpu), median(handCpu)],
    fakeShare,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    pinned,
    check,
    concurrency: options.concurrency ?? 8,
  }
}

const TARGET = 0.95

/** A ratio with its rounds' spread: `0.993 (0.948–1.018)`. */
const spread = (ratio: number, rounds: number[]) =>
  `${ratio.toFixed(3)} (${Math.min(...rounds).toFixed(3)}–${Math.max(...rounds).toFixed(3)})`

/** Prints the section of `npm run bench`. */
export function printPlatformCalls(result: PlatformCalls, options: PlatformCallsOptions): void {
  const { check } = result
  console.log(
    `## Platform client calls per second (contract/list, one page of 10 with signers; ${result.concurrency} calls ` +
      `in flight per client; median of ${result.rounds.length} rounds of ${options.seconds} s after ${options.warmup} s of warm-up)`,
  )
  console.log('')
  console.log(
    result.pinned
      ? `Both clients on CPU ${CLIENT_CPU}, each calling its own fake platform; the fakes on CPU ${FAKE_CPU}.`
      : 'Not pinned (no taskset, or a single CPU): the ratios are noisier.',
  )
  console.log(
    `Checked before the first round: ${check.requests} requests from each client (the token's and the call's), ` +
      `the same request lines but for the token, the same headers in their own order; the same ${check.answerBytes}-byte answer read. ` +
      `Headers sent: ours ${check.headers.ours}; the hand-written client's fetch ${check.headers.hand}.`,
  )
  console.log('')
  const { guarded, nodeHttp } = result
  const more = [
    ...(guarded ? [['ours / hand-written with a timeout', guarded] as const] : []),
    ...(nodeHttp ? [['ours / hand-written over node:http', nodeHttp] as const] : []),
  ]
  console.log(
    `| round | ours / hand-written | ours / ours (A/A) |${more.map(([title]) => ` ${title} |`).join('')}`,
  )
  console.log(`| ---: | ---: | ---: |${more.map(() => ' ---: |').join('')}`)
  for (const [i, ratio] of result.rounds.entries()) {
    const rest = more.map(([, pair]) => ` ${pair.rounds[i]!.toFixed(3)} |`).join('')
    console.log(`| ${i + 1} | ${ratio.toFixed(3)} | ${result.aa.rounds[i]!.toFixed(3)} |${rest}`)
  }
  console.log('')
  const [ours, hand] = result.callsPerSecond
  const [oursCpu, handCpu] = result.cpuPerCall
  console.log(
    `Calls/s (medians): ours ${ours.toFixed(0)}, hand-written ${hand.toFixed(0)}; client CPU per call ` +
      `${oursCpu.toFixed(0)} µs and ${handCpu.toFixed(0)} µs. The fakes used at most ` +
      `${(result.fakeShare * 100).toFixed(0)} % of their CPU.`,
  )
  if (result.errors > 0) {
    console.log(
      `Calls that failed in the measured loads: ${result.errors} (the first: ${result.firstError}).`,
    )
  }
  console.log('')
  console.log(
    `ours / hand-written: ${spread(result.ratio, result.rounds)}, A/A ${spread(result.aa.ratio, result.aa.rounds)}; ` +
      `target >= ${TARGET}: ${result.ratio >= TARGET ? 'PASS' : '**MISS**'}.`,
  )
  if (guarded) {
    console.log(
      `ours / hand-written with a timeout per exchange and redirects not followed: ${spread(guarded.ratio, guarded.rounds)}.`,
    )
  }
  if (nodeHttp) {
    console.log(
      `ours / the same over node:http (its global agent), as our client calls on Node: ${spread(nodeHttp.ratio, nodeHttp.rounds)}.`,
    )
  }
  console.log('')
}

const main = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (main) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '9' },
      seconds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '8' },
      profile: { type: 'boolean', default: false },
      guarded: { type: 'boolean', default: false },
      'node-http': { type: 'boolean', default: false },
    },
  })
  const options: PlatformCallsOptions = {
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    concurrency: Number(values.concurrency),
    profile: values.profile,
    guarded: values.guarded,
    nodeHttp: values['node-http'],
    onRound: (round, ratio, aa) =>
      console.error(`round ${round + 1}: ours/hand ${ratio.toFixed(3)}, A/A ${aa.toFixed(3)}`),
  }
  const [one, five, fifteen] = loadavg().map((value) => value.toFixed(2))
  console.error(`load average before: ${one} ${five} ${fifteen}`)
  // This process does little during a load; on the fakes' CPU it takes nothing from the clients'.
  if (PINNABLE) pin(process.pid, FAKE_CPU)
  const result = await measurePlatformCalls(options)
  printPlatformCalls(result, options)
  console.log(
    `Load average after: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}.`,
  )
}
