/**
 * The cost per error of what happens after the answer: `responder.log()` with logging off (the baseline),
 * through pino to /dev/null, and the OpenTelemetry step with no active span (the API installed, nothing
 * recording: the baseline itself, of which `getActiveSpan()` is timed alone) and with a recording span of the
 * SDK. The responses are built once; only the log step is timed.
 *
 * Tasks run side by side in interleaved rounds (a fresh Bench per round, the order rotated by one each round,
 * one discarded warm-up round), each sample a batch of {@link BATCH} calls; the median over rounds is reported.
 * Run alone with `npx tsx bench/logging.ts [--quick]`.
 */
import { pathToFileURL } from 'node:url'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Codes, createResponder, type ErrorHandlerOptions, SignError } from 'esign-errors'
import { pino } from 'pino'
import { Bench } from 'tinybench'
import { median } from './stats.js'

const BATCH = 100

/** Task names, as printed. */
export const LOGGING = {
  off4xx: '401, log: false, no active span (baseline)',
  off5xx: '500, log: false, no active span (baseline)',
  pino4xx: '401, pino to /dev/null (warn line, no stack)',
  pino5xx: '500, pino to /dev/null (error line, stack and cause)',
  noop: 'of which trace.getActiveSpan(), the whole no-op tracing step',
  span4xx: '401, log: false, recording span (2 attributes)',
  span5xx: '500, log: false, recording span (status, 3 attributes, exception)',
  span5xxNoException: '500, log: false, recording span, recordExceptions: false',
} as const

const request = { method: 'POST', url: '/login?token=x', headers: { accept: 'application/json' } }
const client = new SignError(Codes.WrongPassword)
const server = new SignError(Codes.SigningFailed, { cause: new Error('pkcs11 CKR_DEVICE_ERROR') })

type Task = { name: string; fn: () => void }

// Results land here so no call can be optimised away.
let sink: unknown

function tasks(): Task[] {
  const provider = new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] })
  trace.setGlobalTracerProvider(provider)
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  const tracer = provider.getTracer('bench')

  const destination = pino.destination({ dest: '/dev/null', sync: true })
  const logged = (options: ErrorHandlerOptions) => {
    const responder = createResponder(options)
    const response4xx = responder.respond(client, request)
    const response5xx = responder.respond(server, request)
    return {
      client: () => responder.log(response4xx, client, request),
      server: () => responder.log(response5xx, server, request),
    }
  }
  const off = logged({ log: false })
  const viaPino = logged({ log: pino(destination) })
  const noException = logged({ log: false, recordExceptions: false })
  // A fresh span per batch: the SDK keeps at most 128 events on one span.
  const inSpan = (fn: () => void) => () => {
    const span = tracer.startSpan('POST /login')
    context.with(trace.setSpan(context.active(), span), () => {
      for (let i = 0; i < BATCH; i++) fn()
    })
    span.end()
  }
  const batch = (fn: () => void) => () => {
    for (let i = 0; i < BATCH; i++) fn()
  }
  return [
    { name: LOGGING.off4xx, fn: batch(off.client) },
    { name: LOGGING.off5xx, fn: batch(off.server) },
    { name: LOGGING.pino4xx, fn: batch(viaPino.client) },
    { name: LOGGING.pino5xx, fn: batch(viaPino.server) },
    { name: LOGGING.noop, fn: batch(() => (sink = trace.getActiveSpan())) },
    { name: LOGGING.span4xx, fn: inSpan(off.client) },
    { name: LOGGING.span5xx, fn: inSpan(off.server) },
    { name: LOGGING.span5xxNoException, fn: inSpan(noException.server) },
  ]
}

/** Per task: the median ns per call of each round, and the median of those. */
export type LoggingResults = Map<string, { rounds: number[]; median: number }>

/** Runs `rounds` measured rounds after one discarded warm-up round, `ms` per task per round. */
export function runLoggingBench(rounds: number, ms: number): LoggingResults {
  const list = tasks()
  const perRound = new Map<string, number[]>(list.map((task) => [task.name, []]))
  for (let round = -1; round < rounds; round++) {
    const bench = new Bench({ time: ms, iterations: 16, warmup: false, throws: true })
    const shift = Math.max(0, round) % list.length
    for (const task of [...list.slice(shift), ...list.slice(0, shift)]) bench.add(task.name, task.fn)
    for (const task of bench.runSync()) {
      const result = task.result
      if (!('latency' in result)) throw new Error(`${task.name}: ${result.state}`)
      if (round >= 0) perRound.get(task.name)?.push((result.latency.p50 * 1e6) / BATCH)
    }
  }
  if (sink === null) throw new Error('unreachable')
  return new Map([...perRound].map(([name, values]) => [name, { rounds: values, median: median(values) }]))
}

/** Prints the table, with each task's cost over its baseline. */
export function printLoggingBench(results: LoggingResults, rounds: number): void {
  const fmt = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : 'n/a')
  console.log(
    `## Logging and tracing per error (ns per log() call: median over ${rounds} interleaved rounds, ` +
      `batches of ${BATCH}; the response is built beforehand)`,
  )
  console.log('')
  console.log('| step | median ns | rounds min–max | over the baseline |')
  console.log('| --- | ---: | ---: | ---: |')
  const baseline = (name: string) =>
    results.get(name.startsWith('401') ? LOGGING.off4xx : LOGGING.off5xx)?.median ?? Number.NaN
  for (const [name, { median: value, rounds: all }] of results) {
    const over = name.includes('baseline') || name === LOGGING.noop ? '' : `+${fmt(value - baseline(name))}`
    console.log(`| ${name} | ${fmt(value)} | ${fmt(Math.min(...all))}–${fmt(Math.max(...all))} | ${over} |`)
  }
  console.log('')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick')
  const rounds = quick ? 5 : 11
  printLoggingBench(runLoggingBench(rounds, quick ? 40 : 250), rounds)
}
