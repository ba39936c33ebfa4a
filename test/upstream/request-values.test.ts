/**
 * A failed exchange's cause never carries a value of the request: fetch refusing a header names the value,
 * an injected fetch may quote the URL.
 */
import { inspect } from 'node:util'
import { isSignError } from 'esign-errors'
import { callUpstream } from 'esign-errors/upstream'
import { describe, expect, it } from 'vitest'

const TOKEN = 'tok_SECRET+value/12345='

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

function printed(error: unknown): string {
  return inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })
}

describe('callUpstream: values of the request never reach the cause', () => {
  it.each([
    ['a plain object', { authorization: `Bearer ${TOKEN}\r\nx` }],
    ['pairs', [['authorization', `Bearer ${TOKEN}\r\nx`]] as [string, string][]],
  ])('a header value fetch refuses, given as %s', async (_, headers) => {
    const error = await failure(callUpstream('http://127.0.0.1:9/answer', { headers }))
    expect(isSignError(error)).toBe(true)
    expect(error).toMatchObject({ code: 4, status: 502 })
    expect(printed(error)).not.toContain('tok_SECRET')
    expect(printed(error)).toContain('the cause held a value of the request and was withheld')
  })

  it.each([
    ['as written (percent-encoded)', (url: string) => url],
    ['decoded', (url: string) => decodeURIComponent(url)],
  ])('a query value an injected fetch quotes %s', async (_, quote) => {
    const url = `http://127.0.0.1:9/answer?key=${encodeURIComponent(TOKEN)}`
    const fetchQuoting = async (input: string | URL | Request) => {
      throw new TypeError(`could not reach ${quote(String(input))}`)
    }
    const error = await failure(callUpstream(url, {}, { fetch: fetchQuoting }))
    expect(error).toMatchObject({ code: 4, status: 502 })
    expect(printed(error)).not.toMatch(/tok_SECRET|tok_SECRET%2Bvalue/i)
  })

  it('a cause that quotes nothing of the request is kept', async () => {
    const error = await failure(
      callUpstream(
        'http://127.0.0.1:9/answer',
        { headers: { authorization: `Bearer ${TOKEN}` } },
        {
          fetch: async () => {
            throw new TypeError('fetch failed')
          },
        },
      ),
    )
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(TypeError)
    expect((error as { cause: TypeError }).cause.message).toBe('fetch failed')
  })
})
