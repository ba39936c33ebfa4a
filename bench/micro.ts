/**
 * Micro-benchmarks with tinybench: building an error, and turning one into a response.
 *
 * Each tinybench sample times a batch of {@link BATCH} calls, so the timer's own cost (tens of ns) does not
 * weigh on operations that take a few hundred ns; results are per call. Tasks run in interleaved rounds
 * (a fresh Bench per round, the order rotated by one each round) and the median over rounds is reported.
 */
import Boom from '@hapi/boom'
import { Codes, SignError, toErrorResponse } from 'esign-errors'
import createError from 'http-errors'
import { Bench } from 'tinybench'
import { AppError } from './contenders.js'
import { median } from './stats.js'

/** Calls per tinybench sample. */
export const BATCH = 100

/** Micro-benchmark names, as printed. */
export const MICRO = {
  signError: 'new SignError(Codes.WrongPassword)',
  error: 'new Error()',
  appError: 'new AppError(22, message) (hand-written subclass)',
  httpErrors: 'createError(401) (http-errors)',
  boom: 'Boom.unauthorized() (@hapi/boom)',
  signErrorNoStack: 'new SignError(22), stackTraceLimit 0',
  signErrorOneFrame: 'new SignError(22), stackTraceLimit 1 (the throw site only)',
  signErrorServerErrors: "new SignError(22), SignError.stackTraces = 'server-errors'",
  errorNoStack: 'new Error(), stackTraceLimit 0',
  responseCatalog: 'toErrorResponse(SignError 22, req)',
  responseForeign: 'toErrorResponse(new Error(), req)',
  responseProblem: 'toErrorResponse(SignError 22, req asking for problem+json)',
} as const

/** The request the response builder sees: what a browser or client library sends, nothing exotic. */
const request = {
  method: 'POST',
  url: '/login',
  headers: {
    host: '127.0.0.1:3000',
    'user-agent': 'esign-bench/1.0',
    accept: 'application/json',
    'accept-encoding': 'gzip, deflate',
    'content-type': 'application/json',
    'content-length': '42',
  },
}

// Results land here so no call can be optimised away.
let sink: unknown

/** `limit`: the `Error.stackTraceLimit` of the batch; `policy`: the `SignError.stackTraces` of the batch. */
type Task = { name: string; fn: () => void; limit?: number; policy?: 'server-errors' }

const problemRequest = {
  ...request,
  headers: { ...request.headers, accept: 'application/problem+json, application/json;q=0.9' },
}

const catalogError = new SignError(Codes.WrongPassword)
const foreignError = new Error('connection refused')

const tasks: Task[] = [
  { name: MICRO.signError, fn: () => (sink = new SignError(Codes.WrongPassword)) },
  { name: MICRO.error, fn: () => (sink = new Error()) },
  { name: MICRO.appError, fn: () => (sink = new AppError(22, 'Wrong password')) },
  { name: MICRO.httpErrors, fn: () => (sink = createError(401)) },
  { name: MICRO.boom, fn: () => (sink = Boom.unauthorized()) },
  { name: MICRO.signErrorNoStack, fn: () => (sink = new SignError(Codes.WrongPassword)), limit: 0 },
  { name: MICRO.signErrorOneFrame, fn: () => (sink = new SignError(Codes.WrongPassword)), limit: 1 },
  {
    name: MICRO.signErrorServerErrors,
    fn: () => (sink = new SignError(Codes.WrongPassword)),
    policy: 'server-errors',
  },
  { name: MICRO.errorNoStack, fn: () => (sink = new Error()), limit: 0 },
  { name: MICRO.responseCatalog, fn: () => (sink = toErrorResponse(catalogError, request)) },
  { name: MICRO.responseForeign, fn: () => (sink = toErrorResponse(foreignError, request)) },
  { name: MICRO.responseProblem, fn: () => (sink = toErrorResponse(catalogError, problemRequest)) },
]

/** Per task: the median ns per call of each round, and the median of those. */
export type MicroResults = Map<string, { rounds: number[]; median: number }>

/** Runs `rounds` measured rounds (after one discarded warm-up round), `timeMs` per task per round. */
export function runMicro(rounds: number, timeMs: number): MicroResults {
  const perRound = new Map<string, number[]>(tasks.map((task) => [task.name, []]))
  for (let round = -1; round < rounds; round++) {
    const bench = new Bench({ time: timeMs, iterations: 16, warmup: false, throws: true })
    const shift = Math.max(0, round) % tasks.length
    for (const task of [...tasks.slice(shift), ...tasks.slice(0, shift)]) bench.add(task.name, batch(task))
    for (const task of bench.runSync()) {
      const result = task.result
      if (!('latency' in result)) throw new Error(`${task.name}: ${result.state}`)
      if (round >= 0) perRound.get(task.name)?.push((result.latency.p50 * 1e6) / BATCH)
    }
  }
  if (sink === undefined) throw new Error('nothing measured')
  return new Map([...perRound].map(([name, values]) => [name, { rounds: values, median: median(values) }]))
}

function batch({ fn, limit, policy }: Task): () => void {
  if (policy !== undefined) {
    return () => {
      SignError.stackTraces = policy
      try {
        for (let i = 0; i < BATCH; i++) fn()
      } finally {
        SignError.stackTraces = 'all'
      }
    }
  }
  if (limit === undefined) {
    return () => {
      for (let i = 0; i < BATCH; i++) fn()
    }
  }
  return () => {
    const before = Error.stackTraceLimit
    Error.stackTraceLimit = limit
    for (let i = 0; i < BATCH; i++) fn()
    Error.stackTraceLimit = before
  }
}
