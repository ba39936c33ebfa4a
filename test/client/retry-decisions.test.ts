import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ApiError, retry } from 'esign-errors/client'
import { describe, expect, it } from 'vitest'

function apiError(code: number, retryable: boolean, retryAfterMs?: number): ApiError {
  return new ApiError({
    code,
    codeName: 'X',
    status: 503,
    message: 'x',
    retryable,
    retryAfterMs,
    format: 'envelope',
    response: new Response(null, { status: 503 }),
  })
}

/** A sleep that only records, and a fn that fails with `failures` in turn, then returns 'done'. */
function harness(failures: unknown[]) {
  const waits: number[] = []
  const calls: number[] = []
  const fn = async (attempt: number) => {
    calls.push(attempt)
    const next = failures.shift()
    if (next !== undefined) throw next
    return 'done'
  }
  const sleep = async (ms: number) => {
    waits.push(ms)
  }
  return { waits, calls, fn, sleep }
}

describe('what retry retries', () => {
  it('a retryable ApiError, until it succeeds', async () => {
    const h = harness([apiError(89, true), apiError(4, true)])
    expect(await retry(h.fn, { sleep: h.sleep, random: () => 0 })).toBe('done')
    expect(h.calls).toEqual([1, 2, 3])
  })

  it.each([
    'fetch failed',
    'Failed to fetch',
    'NetworkError when attempting to fetch resource.',
    'Load failed',
    'The Internet connection appears to be offline.',
    'Network request failed',
  ])('a fetch network failure: TypeError %j', async (message) => {
    const h = harness([new TypeError(message)])
    expect(await retry(h.fn, { sleep: h.sleep, random: () => 0 })).toBe('done')
    expect(h.calls).toEqual([1, 2])
  })

  it('a real network failure of fetch: nothing listens on the port', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const waits: number[] = []
    const failure = await retry(() => fetch(`http://127.0.0.1:${port}/`), {
      attempts: 2,
      sleep: async (ms) => {
        waits.push(ms)
      },
    }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TypeError)
    expect(waits).toHaveLength(1)
  })

  it.each([
    ['an ApiError that is not retryable', apiError(22, false)],
    ['a plain Error', new Error('bug')],
    // A bug in the caller's own code: retrying would hide it and repeat what the call had done.
    [
      'a TypeError that is no network failure',
      new TypeError("Cannot read properties of undefined (reading 'id')"),
    ],
    ['a RangeError', new RangeError('bad')],
    // undici's word for a body that broke off after the answer began: the server may have acted.
    ['the TypeError of a body cut midway', new TypeError('terminated')],
    ['an AbortError', new DOMException('aborted', 'AbortError')],
    ['a string', 'nope'],
  ])('never %s', async (_label, failure) => {
    const h = harness([failure])
    await expect(retry(h.fn, { sleep: h.sleep })).rejects.toBe(failure)
    expect(h.calls).toEqual([1])
    expect(h.waits).toEqual([])
  })

  it('stops after `attempts` tries and throws the last error', async () => {
    const last = apiError(89, true)
    const h = harness([apiError(89, true), apiError(89, true), last, apiError(89, true)])
    await expect(retry(h.fn, { attempts: 3, sleep: h.sleep, random: () => 0 })).rejects.toBe(last)
    expect(h.calls).toEqual([1, 2, 3])
  })

  it('tries once with attempts: 1, and refuses fewer', async () => {
    const h = harness([new TypeError('fetch failed')])
    await expect(retry(h.fn, { attempts: 1, sleep: h.sleep })).rejects.toThrow('fetch failed')
    expect(h.calls).toEqual([1])
    await expect(retry(h.fn, { attempts: 0 })).rejects.toThrow(RangeError)
  })
})

describe('options that would make retry spin', () => {
  const MAX = 2 ** 31 - 1
  it.each([
    ['attempts', Number.POSITIVE_INFINITY, 'retry: attempts must be an integer from 1 to 100'],
    ['attempts', Number.NaN, 'retry: attempts must be an integer from 1 to 100'],
    ['attempts', 0, 'retry: attempts must be an integer from 1 to 100'],
    ['attempts', -1, 'retry: attempts must be an integer from 1 to 100'],
    ['attempts', 2.5, 'retry: attempts must be an integer from 1 to 100'],
    ['attempts', 101, 'retry: attempts must be an integer from 1 to 100'],
    ['attempts', '3', 'retry: attempts must be an integer from 1 to 100'],
    ['baseDelayMs', -1, `retry: baseDelayMs must be an integer from 0 to ${MAX}`],
    ['baseDelayMs', Number.NaN, `retry: baseDelayMs must be an integer from 0 to ${MAX}`],
    ['baseDelayMs', Number.POSITIVE_INFINITY, `retry: baseDelayMs must be an integer from 0 to ${MAX}`],
    ['baseDelayMs', 0.5, `retry: baseDelayMs must be an integer from 0 to ${MAX}`],
    ['baseDelayMs', null, `retry: baseDelayMs must be an integer from 0 to ${MAX}`],
    ['maxDelayMs', -1, `retry: maxDelayMs must be an integer from 100 to ${MAX}`],
    ['maxDelayMs', Number.NaN, `retry: maxDelayMs must be an integer from 100 to ${MAX}`],
    ['maxDelayMs', 0, `retry: maxDelayMs must be an integer from 100 to ${MAX}`],
    ['maxDelayMs', MAX + 1, `retry: maxDelayMs must be an integer from 100 to ${MAX}`],
  ])('refuses %s: %s, with a RangeError naming it, before any call', async (key, value, message) => {
    const h = harness([])
    const failure = await retry(h.fn, { [key]: value, sleep: h.sleep }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(RangeError)
    expect((failure as RangeError).message).toBe(message)
    expect(h.calls).toEqual([])
  })

  it('takes the bounds themselves', async () => {
    const h = harness([new TypeError('fetch failed')])
    const options = { attempts: 100, baseDelayMs: 0, maxDelayMs: 100, sleep: h.sleep }
    expect(await retry(h.fn, options)).toBe('done')
    expect(h.waits).toEqual([100])
  })
})

describe('how long retry waits', () => {
  it('exponential backoff with full jitter: random() times base * 2^(n-1), capped', async () => {
    const failures = Array.from({ length: 6 }, () => new TypeError('fetch failed'))
    const h = harness(failures)
    await retry(h.fn, { attempts: 7, baseDelayMs: 200, maxDelayMs: 2000, sleep: h.sleep, random: () => 0.5 })
    expect(h.waits).toEqual([100, 200, 400, 800, 1000, 1000])
  })

  it('full jitter spans 100 ms to the ceiling: never less between two tries', async () => {
    const h = harness([new TypeError('Failed to fetch'), new TypeError('Failed to fetch')])
    await retry(h.fn, { baseDelayMs: 100, sleep: h.sleep, random: () => 0 })
    expect(h.waits).toEqual([100, 100])
    const high = harness([new TypeError('Failed to fetch'), new TypeError('Failed to fetch')])
    await retry(high.fn, { baseDelayMs: 1000, sleep: high.sleep, random: () => 0.999 })
    expect(high.waits).toEqual([999, 1998])
  })

  it('keeps the floor when random() gives what is not a number', async () => {
    const h = harness([new TypeError('Failed to fetch'), new TypeError('Failed to fetch')])
    await retry(h.fn, { sleep: h.sleep, random: () => Number.NaN })
    expect(h.waits).toEqual([100, 100])
  })

  it('defaults: 3 tries, 300 ms base', async () => {
    const h = harness([
      new TypeError('Failed to fetch'),
      new TypeError('Failed to fetch'),
      new TypeError('Failed to fetch'),
    ])
    await expect(retry(h.fn, { sleep: h.sleep, random: () => 0.5 })).rejects.toThrow(TypeError)
    expect(h.waits).toEqual([150, 300])
  })

  it('throws an answer whose Retry-After asks for longer than maxDelayMs (10 s by default) at once', async () => {
    const busy = apiError(89, true, 60_000)
    const h = harness([busy])
    await expect(retry(h.fn, { sleep: h.sleep })).rejects.toBe(busy)
    expect([h.calls, h.waits]).toEqual([[1], []])
    const asked = harness([apiError(89, true, 10_000)])
    expect(await retry(asked.fn, { sleep: asked.sleep })).toBe('done')
    expect(asked.waits).toEqual([10_000])
  })

  it('waits what Retry-After asked for instead of the backoff, and 100 ms for a 0', async () => {
    const h = harness([apiError(89, true, 2500), apiError(89, true, 0), apiError(89, true, 9000)])
    await retry(h.fn, { attempts: 4, maxDelayMs: 10_000, sleep: h.sleep, random: () => 0.5 })
    expect(h.waits).toEqual([2500, 100, 9000])
  })

  it('tells onRetry of each wait', async () => {
    const first = apiError(89, true, 1200)
    const h = harness([first])
    const seen: unknown[] = []
    await retry(h.fn, {
      sleep: h.sleep,
      onRetry: (error, attempt, delay) => seen.push([error, attempt, delay]),
    })
    expect(seen).toEqual([[first, 1, 1200]])
  })
})

describe('aborting', () => {
  it('does not call fn when the signal is already aborted', async () => {
    const h = harness([])
    const reason = new Error('stop')
    await expect(retry(h.fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(h.calls).toEqual([])
  })

  it('cuts a wait short, with the real timer', async () => {
    const controller = new AbortController()
    const reason = new Error('user left')
    const h = harness([apiError(89, true, 30_000)])
    const started = Date.now()
    setTimeout(() => controller.abort(reason), 50)
    await expect(retry(h.fn, { signal: controller.signal, maxDelayMs: 30_000 })).rejects.toBe(reason)
    // Far sooner than the 20-30 s wait it would otherwise be; room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(h.calls).toEqual([1])
  })

  it('an abort during the call wins over a retryable failure', async () => {
    const controller = new AbortController()
    const reason = new Error('stop')
    let calls = 0
    const fn = async () => {
      calls++
      controller.abort(reason)
      throw new TypeError('fetch failed')
    }
    await expect(retry(fn, { signal: controller.signal })).rejects.toBe(reason)
    expect(calls).toBe(1)
  })

  it('an abort from onRetry stops before the wait', async () => {
    const controller = new AbortController()
    const reason = new Error('stop')
    const h = harness([new TypeError('Failed to fetch')])
    const started = Date.now()
    const run = retry(h.fn, {
      signal: controller.signal,
      baseDelayMs: 20_000,
      random: () => 0.9,
      onRetry: () => controller.abort(reason),
    })
    await expect(run).rejects.toBe(reason)
    // Far sooner than the 20-30 s wait it would otherwise be; room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('waits the real time it says, with the default timer', async () => {
    const h = harness([apiError(89, true, 120)])
    const started = Date.now()
    expect(await retry(h.fn)).toBe('done')
    expect(Date.now() - started).toBeGreaterThanOrEqual(110)
  })
})
