/**
 * What an ApiError shows when it is printed or serialised: `console.error` (util.inspect), `JSON.stringify`.
 * The answer's URL may carry a token in its query; none of it may show.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { format, inspect } from 'node:util'
import { type ApiError, readError } from 'esign-errors/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const TOKEN = 'tok-5f2c9a71e0b3'
let server: Server
let url = ''

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' })
    res.end('{"code":5,"name":"InvalidAccessToken","message":"Invalid access token","retryable":false}')
  })
  server.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/documents?accesstoken=${TOKEN}&page=2`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

async function errorOf(): Promise<{ error: ApiError; response: Response }> {
  const response = await fetch(url)
  const error = await readError(response)
  if (error === undefined) throw new Error('expected an error answer')
  return { error, response }
}

describe('an ApiError read from an answer whose URL has a token in its query', () => {
  it('keeps the answer reachable as `response`, the same object', async () => {
    const { error, response } = await errorOf()
    expect(error.response).toBe(response)
    expect(error.response.url).toBe(url)
  })

  it('prints without the query values, as console.error and util.inspect show it', async () => {
    const { error } = await errorOf()
    for (const printed of [
      inspect(error),
      inspect(error, { depth: Number.POSITIVE_INFINITY }),
      format(error),
    ]) {
      expect(printed).toContain('InvalidAccessToken')
      expect(printed).not.toContain(TOKEN)
      expect(printed).not.toContain('page=2')
    }
    // Printed inside another object too, as a logger's `{ err }` would.
    expect(inspect({ err: error }, { depth: 5 })).not.toContain(TOKEN)
  })

  it('serialises without them', async () => {
    const { error } = await errorOf()
    const json = JSON.stringify(error)
    expect(json).not.toContain(TOKEN)
    expect(JSON.parse(json)).toEqual({
      code: 5,
      codeName: 'InvalidAccessToken',
      status: 401,
      retryable: false,
      format: 'envelope',
    })
    expect(Object.keys(error)).not.toContain('response')
    expect({ ...error }).not.toHaveProperty('response')
  })
})
