/**
 * One fallback table, both ends: for every error status, a body that is not ours is coded by the client as
 * the server codes an error that carries only that status (an http-errors error through errorHandler()).
 */
import type { AddressInfo } from 'node:net'
import { describe as describeCode } from 'esign-errors'
import { readError } from 'esign-errors/client'
import createError from 'http-errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, closeServers, serve } from '../helpers/apps.js'

let status = 500
let base = ''

beforeAll(async () => {
  const server = await serve(buildApp('express5', () => createError(status, { expose: false })))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(closeServers)

// Every error status fetch can show (a 407 is a network error to fetch, by the standard).
const statuses = Array.from({ length: 200 }, (_, i) => 400 + i).filter((s) => s !== 407)

describe('a body that is not ours', () => {
  it('gets the code, name and retryability the server gives its status', async () => {
    for (const next of statuses) {
      status = next
      const server = await readError(await fetch(base))
      const client = await readError(new Response('<html><body>Bad Gateway</body></html>', { status: next }))
      expect(server?.format).toBe('envelope')
      expect(client?.format).toBe('other')
      expect([next, client?.status, client?.code, client?.codeName, client?.retryable]).toEqual([
        next,
        next,
        server?.code,
        server?.codeName,
        server?.retryable,
      ])
    }
  })

  it('gets the server message too when the catalog is passed in', async () => {
    for (const next of statuses) {
      status = next
      const server = await readError(await fetch(base))
      const client = await readError(new Response(null, { status: next }), { describe: describeCode })
      expect([next, client?.message]).toEqual([next, server?.message])
    }
  })
})
