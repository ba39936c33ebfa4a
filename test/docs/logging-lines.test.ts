/**
 * docs/logging.md shows the lines the examples print: each block is compared,
 * line by line, with what the example writes now, once what changes between runs (time, pid, ports, a
 * stack's frames) is set aside. Nothing of the shown lines is produced by the code under test.
 */
import { readFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { createApp as expressApp } from '../../examples/express.js'
import { createApp as koaApp } from '../../examples/koa.js'
import { comparable, LOGGED_EXAMPLES, linesOf } from '../helpers/log-examples.js'
import { settle, sink } from '../helpers/log-lines.js'

const section = readFileSync(fileURLToPath(new URL('../../docs/logging.md', import.meta.url)), 'utf8')

const HEADINGS = {
  express: '## Express with pino-http',
  fastify: '## Fastify',
  koa: '## Koa with koa-pino-logger',
}

function shown(example: (typeof LOGGED_EXAMPLES)[number]): unknown[] {
  const from = section.indexOf(`\n${HEADINGS[example]}\n`)
  expect(from, HEADINGS[example]).toBeGreaterThan(0)
  const block = /```jsonl\n([\s\S]*?)```/.exec(section.slice(from))?.[1]
  if (block === undefined) throw new Error(`no jsonl block under ${HEADINGS[example]}`)
  return block
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown)
}

describe('docs/logging.md', () => {
  it.each(LOGGED_EXAMPLES)('%s: the lines shown are the lines printed', async (example) => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const lines = await linesOf(example)
      expect(lines.map((line) => comparable(line))).toEqual(shown(example).map((line) => comparable(line)))
      expect(printed).not.toHaveBeenCalled()
    } finally {
      printed.mockRestore()
    }
  })

  it('lists the span attributes the tracing tests check', () => {
    for (const name of [
      '`esign.code`',
      '`esign.code_name`',
      '`error.type`',
      '`ERROR`',
      '`recordExceptions: false`',
    ]) {
      expect(section).toContain(name)
    }
  })
})

/** One request of the demo, the answer it gets, and the log level of its one line (pino's numbers). */
type Exchange = [
  method: string,
  path: string,
  body: string | undefined,
  status: number,
  code: number,
  level: number,
]

const JSON_TYPE = { 'content-type': 'application/json' }

// Every kind of answer the Express and Koa demos give, each one request: a success, every 4xx the handler and
// notFound() give, and a 5xx.
const EXCHANGES: Exchange[] = [
  ['POST', '/login', '{"password":"secret"}', 200, 0, 30],
  ['POST', '/login', '{"password":"nope"}', 401, 22, 40],
  ['GET', '/documents/D-1', undefined, 200, 0, 30],
  ['GET', '/documents/D-404', undefined, 404, 41, 40],
  ['POST', '/documents', '{"title":', 400, 3, 40],
  ['POST', '/documents', '{}', 400, 1, 40],
  ['POST', '/upload', 'x'.repeat(2048), 413, 93, 40],
  ['GET', '/login', undefined, 405, 7, 40],
  ['GET', '/nowhere', undefined, 404, 7, 40],
  ['GET', '/boom', undefined, 500, 4, 50],
]

function exchange(port: number, [method, path, body]: Exchange): Promise<{ status: number; code: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : JSON_TYPE
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { code: unknown }).code }),
      )
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('the Express and Koa demos log each error once', () => {
  it.each(['express', 'koa'] as const)(
    '%s: one line per request, the error line of each error',
    async (example) => {
      const { lines, stream } = sink()
      const server = createServer(example === 'express' ? expressApp(stream) : koaApp(stream).callback())
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const port = (server.address() as AddressInfo).port
      try {
        for (const sent of EXCHANGES) {
          const [method, path, , status, code, level] = sent
          const from = lines.length
          expect(await exchange(port, sent), `${method} ${path}`).toEqual({ status, code })
          await settle()
          const written = lines.slice(from)
          expect(
            written.map((line) => line.level),
            `${method} ${path}: ${JSON.stringify(written)}`,
          ).toEqual([level])
          // An error's line names its code: the handler's own line for a 4xx, pino-http's (res.err) for a 5xx.
          const named = status >= 500 ? written[0]?.err?.code : written[0]?.code
          if (status >= 400) expect(named, `${method} ${path}`).toBe(code)
        }
      } finally {
        await new Promise((resolve) => server.close(resolve))
      }
    },
  )
})
