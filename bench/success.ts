/**
 * The success path: what merely having the library mounted costs a route that succeeds, on each framework,
 * for a JSON answer and for a streamed one (`bench/success/<framework>.mjs`, `MOUNTED=1` with the library,
 * `STREAM=1` for three CSV rows from `Readable.from`). Each pair runs beside its A/A control (the bare app
 * against itself) in the same sitting, with bench/paired.ts.
 *
 *   npx tsx bench/success.ts [--rounds 9] [--seconds 2] [--warmup 1] [--only 'text']    (after `npm run build`)
 */
import { parseArgs } from 'node:util'
import { canPin } from './http.js'
import { formatPair, type PairResult, runPair } from './paired.js'

/** The least ratio of req/s, mounted over bare, that counts as costing nothing measurable (issue 26). */
export const SUCCESS_TARGET = 0.99

// Each server, how the library is mounted, and what else its file is told with MOUNTED=1.
const FRAMEWORKS = [
  ['express', 'Express 5', '`notFound()` and `errorHandler()` after the routes', ''],
  ['koa', 'Koa 3', '`errorHandler()` first', ''],
  ['fastify', 'Fastify 5', 'the `esignErrors()` plugin', ''],
  ['fastify', 'Fastify 5', 'the plugin and its `logController`', '&CONTROLLER=1'],
] as const

/** One measured row: a framework and route kind, the pair and its control. */
export interface SuccessRow {
  framework: string
  route: 'JSON' | 'streamed'
  mounted: string
  pair: PairResult
  control: PairResult
}

/** How long each pair is loaded. */
export interface SuccessOptions {
  rounds: number
  seconds: number
  warmup: number
  /** Told of each pair as it starts. */
  progress?: (message: string) => void
  /** Only the frameworks whose name and mounting contain this text (`--only 'Fastify'`). */
  only?: string | undefined
}

/** Every framework, JSON then streamed: the control first, then the pair, so both meet the same machine. */
export async function measureSuccess(options: SuccessOptions): Promise<SuccessRow[]> {
  const cpu = canPin() ? 1 : undefined
  const rows: SuccessRow[] = []
  for (const [name, framework, mounted, extra] of FRAMEWORKS) {
    if (options.only !== undefined && !`${framework} ${mounted}`.includes(options.only)) continue
    for (const stream of [false, true]) {
      const bare = `bench/success/${name}.mjs${stream ? '?STREAM=1' : ''}`
      const withLibrary = `bench/success/${name}.mjs?MOUNTED=1${extra}${stream ? '&STREAM=1' : ''}`
      const load = { ...options, status: 200, cpu }
      options.progress?.(`success path: ${framework}, ${stream ? 'streamed' : 'JSON'} route, A/A control ...`)
      const control = await runPair(bare, bare, load)
      options.progress?.(
        `success path: ${framework}, ${stream ? 'streamed' : 'JSON'} route, mounted / bare ...`,
      )
      const pair = await runPair(withLibrary, bare, load)
      rows.push({ framework, route: stream ? 'streamed' : 'JSON', mounted, pair, control })
    }
  }
  return rows
}

/** The rows as a Markdown table, with each pair's target. */
export function printSuccess(rows: SuccessRow[], rounds: number): void {
  console.log('')
  console.log(`## Success path: mounted / bare app, req/s (median of ${rounds} paired rounds)`)
  console.log('')
  console.log('| framework | route | mounted | A/A control | mounted / bare | target | result |')
  console.log('| --- | --- | --- | ---: | ---: | ---: | --- |')
  for (const row of rows) {
    const pass = row.pair.ratio >= SUCCESS_TARGET
    console.log(
      `| ${row.framework} | ${row.route} | ${row.mounted} | ${formatPair(row.control)} | ${formatPair(row.pair)} | >= ${SUCCESS_TARGET.toFixed(2)} | ${pass ? 'PASS' : '**MISS**'} |`,
    )
  }
  const unexpected = rows.reduce((sum, row) => sum + row.pair.unexpected + row.control.unexpected, 0)
  console.log('')
  console.log(`Answers with another status than 200, or errors: ${unexpected}.`)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string' },
    },
  })
  const rounds = Number(values.rounds ?? 9)
  const rows = await measureSuccess({
    rounds,
    seconds: Number(values.seconds ?? 2),
    warmup: Number(values.warmup ?? 1),
    progress: (message) => console.error(message),
    only: values.only,
  })
  printSuccess(rows, rounds)
}
