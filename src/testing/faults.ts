import type { ServerResponse } from 'node:http'

/** A fault the fake platform answers with instead of its real answer. */
export type Fault =
  /** Result 89 "The system is busy", with `Retry-After` when given, in HTTP 200 unless `httpStatus` says otherwise. */
  | { kind: 'busy'; retryAfter?: string | number; httpStatus?: number }
  /** Result 6: the access token has expired (whatever its real age). */
  | { kind: 'expired' }
  /** Result 5: the access token is not known; `echoToken` puts it into the message, as some servers do. */
  | { kind: 'invalid-token'; echoToken?: boolean }
  /** The real answer with the last digit of its `mac` changed (answers that carry `data` only). */
  | { kind: 'tamper' }
  /** A `mac` that verifies over a `data` that is no ciphertext of this secret. */
  | { kind: 'bad-data' }
  /** Any result code, without `data`. */
  | { kind: 'result'; result: number; message?: string }
  /** The real answer, `ms` milliseconds late. */
  | { kind: 'slow'; ms: number }
  /** Headers and the start of a body, then the connection is cut. */
  | { kind: 'cut' }
  /** Headers and the start of a body, then nothing until the client gives up or the fake closes. */
  | { kind: 'stall' }
  /** The connection is closed without an answer. */
  | { kind: 'reset' }
  /** A body of `bytes` bytes, written with backpressure until the client goes away. */
  | { kind: 'huge'; bytes: number }

/** Where a fault applies: the next `times` calls (default 1) of `path` (default `'*'`: every path but the token). */
export interface Injection {
  /** An endpoint under `/signserver/v1/` such as `'contract/list'`, `'accesstoken'`, or `'*'`. */
  path?: string
  times?: number
  fault: Fault
}

/** Faults waiting for their calls, first injected first used. */
export class FaultQueue {
  readonly #waiting: { path: string; times: number; fault: Fault }[] = []

  add(injection: Injection): void {
    const times = injection.times ?? 1
    if (!Number.isSafeInteger(times) || times < 1) {
      throw new TypeError(`inject: times must be a positive integer, got ${String(times)}`)
    }
    if (typeof injection.fault?.kind !== 'string') throw new TypeError('inject: fault must be { kind, ... }')
    this.#waiting.push({ path: injection.path ?? '*', times, fault: injection.fault })
  }

  /** The fault for this call of `path`, used up one time. */
  take(path: string): Fault | undefined {
    const index = this.#waiting.findIndex((waiting) =>
      waiting.path === '*' ? path !== 'accesstoken' : waiting.path === path,
    )
    if (index === -1) return undefined
    const waiting = this.#waiting[index]!
    waiting.times -= 1
    if (waiting.times <= 0) this.#waiting.splice(index, 1)
    return waiting.fault
  }
}

const START = '{"result":0,"message":"Success","data":"'

/** Headers that promise more than is written, the start of a body, then the end the fault asks for. */
export function breakOff(res: ServerResponse, how: 'cut' | 'stall'): void {
  res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'content-length': '4096' })
  res.write(START, () => {
    if (how === 'cut') res.destroy()
  })
}

/** A body far past any sane `maxBytes`, written with backpressure until the client goes away. */
export async function streamHuge(res: ServerResponse, bytes: number): Promise<void> {
  let closed = false
  res.once('close', () => {
    closed = true
  })
  res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' })
  res.write(START)
  const chunk = Buffer.alloc(64 * 1024, 'a')
  for (let written = 0; written < bytes && !closed; written += chunk.length) {
    if (!res.write(chunk)) await whenDrained(res)
  }
  if (!closed) res.end('"}')
}

/** Waits for `drain` or `close`, whichever comes first, and leaves no listener behind. */
export function whenDrained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}
