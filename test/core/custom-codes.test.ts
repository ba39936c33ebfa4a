import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Codes, defineCodes, describe, entries, isSignError, SignError } from 'esign-errors'
import { errorHandler as expressErrorHandler } from 'esign-errors/express'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express from 'express'
import Koa from 'koa'
import request from 'supertest'
import { afterAll, beforeAll, expect, it, describe as suite, vi } from 'vitest'

// The registry is shared by the whole module graph: this file owns 48, 51 and 9100-9199.
const AppCodes = defineCodes({
  Authorized: { code: 48, message: 'Authorized', status: 409, category: 'auth' },
  Unauthorized: { code: 51, message: 'Unauthorized', status: 401, category: 'auth' },
  ContractOnHold: { code: 9100, message: 'Contract on hold by compliance', status: 423 },
  ArchiveUnavailable: { code: 9101, message: 'Archive unavailable', status: 503, retryable: true },
})

suite('defineCodes', () => {
  it('returns the catalog codes and the new ones', () => {
    expect(AppCodes.Authorized).toBe(48)
    expect(AppCodes.Unauthorized).toBe(51)
    expect(AppCodes.ContractOnHold).toBe(9100)
    expect(AppCodes.ArchiveUnavailable).toBe(9101)
    expect(AppCodes.WrongPassword).toBe(22)
    expect(Object.isFrozen(AppCodes)).toBe(true)
  })

  it('leaves Codes as the catalog made it', () => {
    expect('Authorized' in Codes).toBe(false)
    expect(Object.keys(Codes)).toHaveLength(140)
  })

  it('teaches describe() every new code, with the defaults filled in', () => {
    expect(describe(48)).toEqual({
      code: 48,
      name: 'Authorized',
      status: 409,
      category: 'auth',
      retryable: false,
      message: 'Authorized',
    })
    expect(describe(9100)).toEqual({
      code: 9100,
      name: 'ContractOnHold',
      status: 423,
      category: 'custom',
      retryable: false,
      message: 'Contract on hold by compliance',
    })
    expect(describe(9101)?.retryable).toBe(true)
    expect(describe(9199)).toBeUndefined()
  })

  it('lists the new codes after the catalog', () => {
    const all = entries()
    expect(all).toHaveLength(144)
    expect(all.slice(-5).map((entry) => entry.code)).toEqual([2029, 48, 51, 9100, 9101])
  })

  it('gives SignError the name, status and message of a new code', () => {
    const error = new SignError(AppCodes.ContractOnHold)
    expect(isSignError(error)).toBe(true)
    expect(error.codeName).toBe('ContractOnHold')
    expect(error.status).toBe(423)
    expect(error.message).toBe('Contract on hold by compliance')
    expect(error.retryable).toBe(false)
    expect(JSON.stringify(new SignError(AppCodes.Authorized))).toBe(
      '{"code":48,"name":"Authorized","message":"Authorized","status":409,"retryable":false}',
    )
  })
})

suite('redefinition', () => {
  it('accepts the same definition again and changes nothing', () => {
    const again = defineCodes({
      ContractOnHold: {
        code: 9100,
        message: 'Contract on hold by compliance',
        status: 423,
        category: 'custom',
      },
    })
    expect(again.ContractOnHold).toBe(9100)
    expect(describe(9100)?.message).toBe('Contract on hold by compliance')
    expect(entries()).toHaveLength(144)
  })

  it.each([
    [
      'another message',
      { ContractOnHold: { code: 9100, message: 'On hold', status: 423 } },
      'code 9100 is already',
    ],
    [
      'another status',
      { ContractOnHold: { code: 9100, message: 'Contract on hold by compliance', status: 409 } },
      'code 9100 is already',
    ],
    [
      'another retryable',
      {
        Unauthorized: {
          code: 51,
          message: 'Unauthorized',
          status: 401,
          category: 'auth' as const,
          retryable: true,
        },
      },
      'code 51 is already',
    ],
    [
      'another name for the code',
      { OnHold: { code: 9100, message: 'Contract on hold by compliance', status: 423 } },
      'code 9100 is already ContractOnHold',
    ],
    [
      'the name on another code',
      { ContractOnHold: { code: 9102, message: 'Contract on hold by compliance', status: 423 } },
      'name already used by code 9100',
    ],
    [
      'a catalog name',
      { WrongPassword: { code: 9103, message: 'Wrong password', status: 401 } },
      'name already used by code 22',
    ],
    [
      'a catalog code, even word for word',
      { WrongPassword: { code: 22, message: 'Wrong password', status: 401, category: 'auth' as const } },
      'code 22 is already WrongPassword',
    ],
    [
      'a name that is not PascalCase',
      { contract_hold: { code: 9104, message: 'Hold', status: 423 } },
      'PascalCase',
    ],
    ['code 0', { Nothing: { code: 0, message: 'Nothing', status: 400 } }, 'positive integer'],
    ['a negative code', { Negative: { code: -9105, message: 'Negative', status: 400 } }, 'positive integer'],
    [
      'a fractional code',
      { Fraction: { code: 9105.5, message: 'Fraction', status: 400 } },
      'positive integer',
    ],
    [
      'a success status',
      { Fine: { code: 9106, message: 'Fine', status: 200 } },
      'status must be an integer from 400 to 599',
    ],
    [
      'a status past 599',
      { Beyond: { code: 9107, message: 'Beyond', status: 600 } },
      'status must be an integer from 400 to 599',
    ],
    [
      'an empty message',
      { Silent: { code: 9108, message: '', status: 400 } },
      'message must be a non-empty string',
    ],
  ])('refuses %s with a TypeError', (_, definitions, text) => {
    expect(() => defineCodes(definitions)).toThrow(TypeError)
    expect(() => defineCodes(definitions)).toThrow(text)
  })

  it('adds nothing of a batch with one bad definition', () => {
    expect(() =>
      defineCodes({
        FineOne: { code: 9110, message: 'Fine one', status: 409 },
        BadOne: { code: 9111, message: 'Bad one', status: 302 },
      }),
    ).toThrow(TypeError)
    expect(describe(9110)).toBeUndefined()
    expect(describe(9111)).toBeUndefined()
    expect(entries()).toHaveLength(144)
  })
})

const servers: Server[] = []

async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
})

function thrownFor(path: string): unknown {
  if (path === '/archive') {
    return new SignError(AppCodes.ArchiveUnavailable, {
      message: 'S3 bucket esign-archive timed out',
      cause: new Error('ETIMEDOUT'),
    })
  }
  return new SignError(Number(path.slice(1)))
}

const base = 'https://docs.example.com/errors/'

suite.each([
  [
    'Express 5',
    () => {
      const app = express()
      app.use((req) => {
        throw thrownFor(req.path)
      })
      app.use(expressErrorHandler({ log: false, problemBaseUrl: base }))
      return listen(app)
    },
  ],
  [
    'Koa 3',
    () => {
      const app = new Koa()
      app.silent = true
      app.use(koaErrorHandler({ log: false, problemBaseUrl: base }))
      app.use((ctx) => {
        throw thrownFor(ctx.path)
      })
      return listen(app.callback())
    },
  ],
])('%s handler', (_, start) => {
  let url = ''
  beforeAll(async () => {
    url = await start()
  })

  it.each([
    [48, 409, { code: 48, name: 'Authorized', message: 'Authorized', status: 409, retryable: false }],
    [51, 401, { code: 51, name: 'Unauthorized', message: 'Unauthorized', status: 401, retryable: false }],
    [
      9100,
      423,
      {
        code: 9100,
        name: 'ContractOnHold',
        message: 'Contract on hold by compliance',
        status: 423,
        retryable: false,
      },
    ],
  ])('answers code %i with %i and the exact body', async (code, status, body) => {
    const res = await request(url).get(`/${code}`)
    expect(res.status).toBe(status)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(res.text)).toEqual(body)
  })

  it('sends WWW-Authenticate with the 401 of code 51', async () => {
    const res = await request(url).get('/51')
    expect(res.headers['www-authenticate']).toBe('Bearer')
  })

  it('masks the message of a new 5xx code, keeping its retryable', async () => {
    const res = await request(url).get('/archive')
    expect(res.status).toBe(503)
    expect(JSON.parse(res.text)).toEqual({
      code: 9101,
      name: 'ArchiveUnavailable',
      message: 'Archive unavailable',
      status: 503,
      retryable: true,
    })
  })

  it('types a problem with the kebab-case name of a new code', async () => {
    const res = await request(url).get('/9100').set('Accept', 'application/problem+json')
    expect(res.status).toBe(423)
    expect(JSON.parse(res.text)).toEqual({
      type: 'https://docs.example.com/errors/contract-on-hold',
      title: 'Contract on hold by compliance',
      status: 423,
      detail: 'Contract on hold by compliance',
      instance: '/9100',
      code: 9100,
      name: 'ContractOnHold',
      retryable: false,
    })
  })

  it('still treats an undefined code of the range as unknown', async () => {
    const res = await request(url).get('/9199')
    expect(res.status).toBe(502)
    expect(JSON.parse(res.text)).toEqual({
      code: 9199,
      name: 'UnknownCode',
      message: 'Unknown return code 9199',
      status: 502,
      retryable: false,
    })
  })
})

// Two copies of the module in one process (an ESM and a CommonJS build, or two installs) share one registry,
// as they share SignError's brand: a code defined through one is known to a handler from the other.
suite('a second copy of the module', () => {
  it('knows the codes defined through the first, and the first knows its codes', async () => {
    vi.resetModules()
    const copy = await import('esign-errors')
    expect(copy.defineCodes).not.toBe(defineCodes)
    defineCodes({ SharedFromFirst: { code: 9180, message: 'Defined through the first copy', status: 409 } })
    copy.defineCodes({
      SharedFromSecond: { code: 9181, message: 'Defined through the second copy', status: 423 },
    })
    expect(copy.describe(9180)?.name).toBe('SharedFromFirst')
    expect(describe(9181)?.name).toBe('SharedFromSecond')
    expect(new copy.SignError(9180).status).toBe(409)
    expect(new SignError(9181).codeName).toBe('SharedFromSecond')
  })
})
