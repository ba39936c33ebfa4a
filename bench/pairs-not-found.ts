/**
 * What a 404 costs, and whether it grows with what the user did not ask for (issue 26, targets 2 and 5),
 * measured pairwise with {@link runPair}: both servers fresh each round, pinned to one CPU, loaded at the
 * same time, start order alternating, the median ratio of req/s over the rounds, and beside every figure an
 * A/A control (its first side against itself) taken in the same sitting.
 *
 *   npm run build && npx tsx bench/pairs-not-found.ts [--rounds 9] [--seconds 2] [--warmup 1]
 *     [--framework express|koa|fastify|details]... [--only 'text of a pair label']
 *
 * Per framework (servers in bench/not-found/): the library's 404 against a hand-written one that sends the
 * same bytes, with 10 routes and with 2,000 (and in problem+json with 10); the library's 404 with 2,000
 * routes against itself with 10; the hand-written one likewise, which is what the framework's own dispatch
 * costs. Then a SignError with a 10 KB `details` answered by `errorHandler()` against a hand-written handler
 * that stringifies the same object into the same envelope (Express), and the same without details.
 * Prints a Markdown report; `measureNotFound()` returns the rows for `npm run bench`.
 *
 * A pair's ratio is the inverse ratio of CPU per answer only while both servers keep their half of the core
 * busy. Express's and @koa/router's 404 with 2,000 routes costs many times the one with 10, and the cheaper
 * side then idles between its requests: a 2,000 / 10 ratio of those two far below 1 says that the framework's
 * dispatch grows, not by how much. The library's own share of the growth is the derived row, whose two pairs
 * compare servers of like cost.
 */
import { execSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { canPin, pin } from './http.js'
import { formatPair, type PairOptions, type PairResult, runPair } from './paired.js'

/** The frameworks of the 404 pairs, and `details` for the 10 KB `details` pairs. */
export const NOT_FOUND_GROUPS = ['express', 'koa', 'fastify', 'details'] as const
export type NotFoundGroup = (typeof NOT_FOUND_GROUPS)[number]

/** How {@link measureNotFound} loads each pair. */
export interface NotFoundOptions {
  rounds: number
  seconds: number
  warmup: number
  /** The groups to measure, all by default. */
  groups?: readonly NotFoundGroup[]
  /** Only the pairs whose label contains this text (and their controls). */
  only?: string
  /** The CPU every server is pinned to: 1 by default where pinning is possible; `null` for none. */
  cpu?: number | null
  /** Hears of each pair as it starts and of each round's ratio. */
  onProgress?: (line: string) => void
}

/** One figure: a measured pair with its A/A control, or one derived from two such pairs (no rounds, no control). */
export interface NotFoundRow {
  group: NotFoundGroup
  label: string
  /** The median ratio of req/s, first side over second (derived rows: a quotient of two medians). */
  ratio: number
  /** The per-round ratios; empty for a derived row. */
  rounds: number[]
  /** The A/A control of the pair's first side, measured in the same sitting; none for a derived row. */
  aa?: PairResult
  /** The pair itself; none for a derived row. */
  result?: PairResult
  /** The least ratio the issue asks for; none for a figure given for context. */
  target?: number
}

/** The path every 404 request asks for; the same as bench/not-found/shared.mjs. */
const MISSING = '/documents/D-1/comments'
const DETAILS_PATH = '/orders'
const PROBLEM = { accept: 'application/problem+json' }

interface PairSpec {
  label: string
  a: string
  b: string
  path: string
  status: number
  headers?: Record<string, string>
  /** Both sides answer alike, byte for byte; checked. */
  same: boolean
  target?: number
}

const GROUP_NAMES: Record<NotFoundGroup, string> = {
  express: 'Express 5',
  koa: 'Koa 3',
  fastify: 'Fastify 5',
  details: 'Express 5, 10 KB details',
}

function pairsOf(group: NotFoundGroup): PairSpec[] {
  if (group === 'details') {
    const file = 'bench/not-found/details.mjs'
    const at = { path: DETAILS_PATH, status: 400, same: true }
    return [
      { label: 'library / hand-written, 10 KB details', a: `${file}?LIB=1`, b: file, ...at, target: 0.99 },
      { label: 'library / hand-written, no details', a: `${file}?LIB=1&KB=0`, b: `${file}?KB=0`, ...at },
    ]
  }
  const file = `bench/not-found/${group}.mjs`
  const lib = (routes: number) => `${file}?LIB=1&ROUTES=${routes}`
  const hand = (routes: number) => `${file}?ROUTES=${routes}`
  const at = { path: MISSING, status: 404 }
  return [
    { label: 'library / hand-written, 10 routes', a: lib(10), b: hand(10), ...at, same: true, target: 1 },
    {
      label: 'library / hand-written, 2,000 routes',
      a: lib(2000),
      b: hand(2000),
      ...at,
      same: true,
      target: 1,
    },
    {
      label: 'library / hand-written, 10 routes, problem+json',
      a: lib(10),
      b: `${hand(10)}&PROBLEM=1`,
      ...at,
      headers: PROBLEM,
      same: true,
      target: 1,
    },
    // Both answer alike here too; `same: false` since the two sides are different apps by design.
    {
      label: 'library, 2,000 routes / 10 routes',
      a: lib(2000),
      b: lib(10),
      ...at,
      same: false,
      target: 1 / 1.1,
    },
    { label: 'hand-written, 2,000 routes / 10 routes', a: hand(2000), b: hand(10), ...at, same: false },
  ]
}

/**
 * Runs `measure` with the servers on plain Node. `runPair()` forks them with this process's `execArgv`,
 * which under `tsx` is tsx's loader: with it, every server here took two to three times the CPU per answer,
 * and the library's 404 measured as fast with a stack captured and thrown as without (1.01 either way), where
 * on plain Node, as paired.ts means its servers to run, the second takes half the CPU of the first.
 */
async function onPlainNode<T>(measure: () => Promise<T>): Promise<T> {
  const execArgv = process.execArgv
  process.execArgv = []
  try {
    return await measure()
  } finally {
    process.execArgv = execArgv
  }
}

/** Measures every pair of the chosen groups, each with the A/A control of its first side (one per distinct side). */
export function measureNotFound(options: NotFoundOptions): Promise<NotFoundRow[]> {
  return onPlainNode(() => measureAll(options))
}

async function measureAll(options: NotFoundOptions): Promise<NotFoundRow[]> {
  const cpu = options.cpu === null ? undefined : (options.cpu ?? (canPin() ? 1 : undefined))
  const progress = options.onProgress ?? (() => {})
  const rows: NotFoundRow[] = []
  for (const group of options.groups ?? NOT_FOUND_GROUPS) {
    const controls = new Map<string, PairResult>()
    const measured = new Map<string, PairResult>()
    for (const spec of pairsOf(group).filter((pair) => pair.label.includes(options.only ?? ''))) {
      const base: PairOptions = {
        rounds: options.rounds,
        seconds: options.seconds,
        warmup: options.warmup,
        cpu,
        path: spec.path,
        status: spec.status,
        ...(spec.headers ? { headers: spec.headers } : {}),
      }
      const round = (name: string) => (index: number, ratio: number) =>
        progress(`  ${name} round ${index + 1}: ${ratio.toFixed(3)}`)
      const controlKey = `${spec.a} ${JSON.stringify(spec.headers ?? {})}`
      let aa = controls.get(controlKey)
      if (aa === undefined) {
        progress(`${GROUP_NAMES[group]}: A/A ${spec.a}${spec.headers ? ' (problem+json)' : ''}`)
        aa = await runPair(spec.a, spec.a, base, round('A/A'))
        controls.set(controlKey, aa)
      }
      progress(`${GROUP_NAMES[group]}: ${spec.label}`)
      const result = await runPair(spec.a, spec.b, { ...base, same: spec.same }, round(spec.label))
      measured.set(spec.label, result)
      rows.push({
        group,
        label: spec.label,
        ratio: result.ratio,
        rounds: result.rounds,
        aa,
        result,
        ...(spec.target === undefined ? {} : { target: spec.target }),
      })
    }
    // Our share of what 2,000 routes cost: the library's ratio to hand-written at 2,000 over the same at 10.
    const at = (label: string) => measured.get(label)?.ratio
    const many = group === 'details' ? undefined : at('library / hand-written, 2,000 routes')
    const few = group === 'details' ? undefined : at('library / hand-written, 10 routes')
    if (many !== undefined && few !== undefined) {
      rows.push({
        group,
        label: "our share of 2,000 routes' cost: (lib/hand at 2,000) / (lib/hand at 10)",
        ratio: many / few,
        rounds: [],
        target: 1 / 1.1,
      })
    }
  }
  return rows
}

const mark = (row: NotFoundRow) =>
  row.target === undefined
    ? 'context'
    : `${row.ratio >= row.target ? 'met' : 'missed'} (≥ ${row.target.toFixed(3)})`

/** The rows as a Markdown table: figure, rounds' spread, A/A control, req/s of both sides, target. */
export function formatNotFound(rows: readonly NotFoundRow[]): string {
  const lines = [
    '| framework | pair | ratio (rounds) | A/A control (rounds) | rounds | req/s A / B | target |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ]
  for (const row of rows) {
    const result = row.result
    const figure = result ? formatPair(result) : `${row.ratio.toFixed(3)} (derived)`
    const control = row.aa ? formatPair(row.aa) : '–'
    const rps = result ? `${Math.round(result.rps[0])} / ${Math.round(result.rps[1])}` : '–'
    const unexpected = (result?.unexpected ?? 0) + (row.aa?.unexpected ?? 0)
    const flag = unexpected > 0 ? ` (${unexpected} unexpected answers)` : ''
    lines.push(
      `| ${GROUP_NAMES[row.group]} | ${row.label} | ${figure}${flag} | ${control} | ${row.rounds.length || '–'} | ${rps} | ${mark(row)} |`,
    )
  }
  return lines.join('\n')
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown'
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('model name'))
    if (line) model = line.split(':')[1]!.trim()
  } catch {
    // Not Linux: the model os.cpus() gives.
  }
  let count = String(cpus().length)
  try {
    count = execSync('nproc', { encoding: 'utf8' }).trim()
  } catch {
    // No nproc: every CPU the OS lists.
  }
  return `${count} cpus, ${model}, node ${process.version}, ${process.platform}`
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '9' },
      seconds: { type: 'string', default: '2' },
      warmup: { type: 'string', default: '1' },
      framework: { type: 'string', multiple: true },
      only: { type: 'string' },
    },
  })
  const groups = (values.framework ?? [...NOT_FOUND_GROUPS]) as NotFoundGroup[]
  for (const group of groups) {
    if (!NOT_FOUND_GROUPS.includes(group))
      throw new Error(`--framework ${group}: one of ${NOT_FOUND_GROUPS.join(', ')}`)
  }
  const pinned = canPin()
  // The load generator (this process) on CPU 0, every server on CPU 1, as run.ts does.
  const info = machine()
  if (pinned) pin(process.pid, 0)
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')
  const options = {
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
  }
  console.log(`# 404 and details pairs`)
  console.log('')
  console.log(`- date: ${new Date().toISOString()}`)
  console.log(`- machine: ${info}`)
  console.log(`- load average at start: ${load()}`)
  console.log(
    `- ${options.rounds} rounds of ${options.seconds} s after ${options.warmup} s of warm-up, 10 connections per server; ` +
      (pinned ? 'servers on CPU 1, the load generator on CPU 0' : 'NOT pinned (no taskset, or one CPU)'),
  )
  const started = Date.now()
  const rows = await measureNotFound({
    ...options,
    groups,
    ...(values.only === undefined ? {} : { only: values.only }),
    cpu: pinned ? 1 : null,
    onProgress: (line) => console.error(line),
  })
  console.log(`- load average at end: ${load()}; ${Math.round((Date.now() - started) / 60_000)} min`)
  console.log('')
  console.log(formatNotFound(rows))
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
