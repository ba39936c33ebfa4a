import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bodyParser } from '@koa/bodyparser'
import { type ErrorHandlerOptions, SignError } from 'esign-errors'
import { errorHandler as expressErrorHandler } from 'esign-errors/express'
import { errorHandler as koaErrorHandler } from 'esign-errors/koa'
import express from 'express'
import Koa from 'koa'
import request from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// German lacks 41 on purpose: a locale without the code falls back to the catalog text.
const messages = {
  fr: {
    3: 'Format de données invalide',
    4: 'Échec du traitement',
    22: 'Mot de passe incorrect',
    41: 'Le document n’existe pas',
  },
  de: { 3: 'Ungültiges Datenformat', 4: 'Verarbeitung fehlgeschlagen', 22: 'Falsches Passwort' },
}

const options = { messages, log: false } satisfies ErrorHandlerOptions<never>

// Every route throws; what it throws is named by the path.
function thrownFor(path: string): unknown {
  if (path === '/custom') return new SignError(22, { message: 'Password expired yesterday' })
  if (path === '/masked') return new SignError(4, { message: 'connection pool exhausted' })
  if (path === '/plain') return new Error('ECONNREFUSED 10.0.0.7:5432')
  return new SignError(Number(path.slice('/fail/'.length)))
}

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

function expressApp(problemBaseUrl?: string): express.Express {
  const app = express()
  app.post('/json', express.json(), (_req, res) => {
    res.json({})
  })
  app.use((req) => {
    throw thrownFor(req.path)
  })
  app.use(expressErrorHandler(problemBaseUrl ? { ...options, problemBaseUrl } : options))
  return app
}

function koaApp(problemBaseUrl?: string): Koa {
  const app = new Koa()
  app.use(koaErrorHandler(problemBaseUrl ? { ...options, problemBaseUrl } : options))
  app.use(bodyParser())
  app.use((ctx) => {
    if (ctx.path === '/json') {
      ctx.body = {}
      return
    }
    throw thrownFor(ctx.path)
  })
  return app
}

describe.each([
  ['Express 5', (base?: string) => listen(expressApp(base))],
  ['Koa 3', (base?: string) => listen(koaApp(base).callback())],
])('%s with messages in fr and de', (_, start) => {
  let url = ''
  let typed = ''
  beforeAll(async () => {
    url = await start()
    typed = await start('https://docs.example.com/errors/')
  })

  async function get(path: string, language?: string) {
    const req = request(url).get(path)
    return language === undefined ? req : req.set('Accept-Language', language)
  }

  it('answers Accept-Language fr in French, with Content-Language: fr', async () => {
    const res = await get('/fail/22', 'fr')
    expect(res.status).toBe(401)
    expect(res.headers['content-language']).toBe('fr')
    expect(JSON.parse(res.text)).toEqual({
      code: 22,
      name: 'WrongPassword',
      message: 'Mot de passe incorrect',
      status: 401,
      retryable: false,
    })
  })

  it('prefers de for "de-CH, fr;q=0.5"', async () => {
    const res = await get('/fail/22', 'de-CH, fr;q=0.5')
    expect(res.headers['content-language']).toBe('de')
    expect(JSON.parse(res.text)).toEqual({
      code: 22,
      name: 'WrongPassword',
      message: 'Falsches Passwort',
      status: 401,
      retryable: false,
    })
  })

  it('takes fr from a regional tag and ignores q=0', async () => {
    expect((await get('/fail/22', 'fr-CA')).headers['content-language']).toBe('fr')
    const refused = await get('/fail/22', 'de;q=0, fr;q=0.3')
    expect(refused.headers['content-language']).toBe('fr')
    expect(JSON.parse(refused.text).message).toBe('Mot de passe incorrect')
  })

  it.each([
    ['ja', 'ja'],
    ['no Accept-Language', undefined],
    // English is the catalog's language: a client that prefers it keeps it over a translation it ranks lower.
    ['en-US first, fr after', 'en-US,en;q=0.9,fr;q=0.8'],
    ['*', '*'],
  ])('answers %s with the catalog message and no Content-Language', async (_, language) => {
    const res = await get('/fail/22', language)
    expect(res.headers['content-language']).toBeUndefined()
    expect(JSON.parse(res.text)).toEqual({
      code: 22,
      name: 'WrongPassword',
      message: 'Wrong password',
      status: 401,
      retryable: false,
    })
  })

  it('falls back to the catalog message when the chosen locale lacks the code', async () => {
    const german = await get('/fail/41', 'de')
    expect(german.status).toBe(404)
    expect(german.headers['content-language']).toBeUndefined()
    expect(JSON.parse(german.text).message).toBe('Document does not exist')
    const french = await get('/fail/41', 'de, fr;q=0.1')
    expect(french.headers['content-language']).toBeUndefined()
    expect(JSON.parse(french.text).message).toBe('Document does not exist')
  })

  it('never translates a message the error was thrown with', async () => {
    const res = await get('/custom', 'fr')
    expect(res.status).toBe(401)
    expect(res.headers['content-language']).toBeUndefined()
    expect(JSON.parse(res.text)).toEqual({
      code: 22,
      name: 'WrongPassword',
      message: 'Password expired yesterday',
      status: 401,
      retryable: false,
    })
  })

  it('translates the catalog text that replaces a masked message', async () => {
    for (const path of ['/masked', '/plain']) {
      const res = await get(path, 'de')
      expect(res.status).toBe(500)
      expect(res.headers['content-language']).toBe('de')
      expect(JSON.parse(res.text)).toEqual({
        code: 4,
        name: 'ProcessingFailed',
        message: 'Verarbeitung fehlgeschlagen',
        status: 500,
        retryable: true,
      })
    }
  })

  it('translates a body parser failure', async () => {
    const res = await request(url)
      .post('/json')
      .set('Accept-Language', 'fr')
      .set('Content-Type', 'application/json')
      .send('{"broken":')
    expect(res.status).toBe(400)
    expect(res.headers['content-language']).toBe('fr')
    expect(JSON.parse(res.text)).toEqual({
      code: 3,
      name: 'DataFormatError',
      message: 'Format de données invalide',
      status: 400,
      retryable: false,
    })
  })

  it('translates the problem detail, not the code, name or HTTP title', async () => {
    const res = await request(url)
      .get('/fail/22')
      .set('Accept', 'application/problem+json')
      .set('Accept-Language', 'fr')
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.headers['content-language']).toBe('fr')
    expect(JSON.parse(res.text)).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Mot de passe incorrect',
      instance: '/fail/22',
      code: 22,
      name: 'WrongPassword',
      retryable: false,
    })
  })

  it('translates the title of a typed problem, which is the catalog message', async () => {
    const res = await request(typed)
      .get('/fail/22')
      .set('Accept', 'application/problem+json')
      .set('Accept-Language', 'de')
    expect(res.headers['content-language']).toBe('de')
    expect(JSON.parse(res.text)).toEqual({
      type: 'https://docs.example.com/errors/wrong-password',
      title: 'Falsches Passwort',
      status: 401,
      detail: 'Falsches Passwort',
      instance: '/fail/22',
      code: 22,
      name: 'WrongPassword',
      retryable: false,
    })
  })
})
