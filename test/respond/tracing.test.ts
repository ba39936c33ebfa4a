/**
 * OpenTelemetry: a real server span around each request, exported by the SDK's in-memory exporter, on every
 * adapter; and the built package, ESM and CommonJS, in a project where `@opentelemetry/api` is not installed.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import type { RequestListener } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setImmediate as tick } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { Codes, type ErrorHandlerOptions, SignError } from 'esign-errors'
import request from 'supertest'
import { build } from 'tsup'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { APP_KINDS, buildApp, closeServers, serve } from '../helpers/apps.js'

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const contextManager = new AsyncLocalStorageContextManager()

beforeAll(() => {
  trace.setGlobalTracerProvider(provider)
  context.setGlobalContextManager(contextManager.enable())
})

afterAll(() => {
  trace.disable()
  context.disable()
})

afterEach(async () => {
  exporter.reset()
  await closeServers()
})

/** The listener inside a server span, as an HTTP instrumentation would start it: active while the app runs. */
function traced(listener: RequestListener): RequestListener {
  const tracer = provider.getTracer('test')
  return (req, res) => {
    const span = tracer.startSpan(`${req.method} /`, { kind: SpanKind.SERVER })
    res.on('close', () => span.end())
    context.with(trace.setSpan(context.active(), span), () => listener(req, res))
  }
}

async function finishedSpan() {
  for (let i = 0; i < 20 && exporter.getFinishedSpans().length === 0; i++) await tick()
  const spans = exporter.getFinishedSpans()
  expect(spans).toHaveLength(1)
  return spans[0]!
}

const hsm = () => new Error('pkcs11 CKR_DEVICE_ERROR')

describe.each(APP_KINDS)('%s', (kind) => {
  const app = (thrown: () => unknown, options?: ErrorHandlerOptions) =>
    serve(traced(buildApp(kind, thrown, options)))

  it('a 5xx: status ERROR, error.type "500", esign.code and name, the thrown error recorded', async () => {
    const thrown = new SignError(Codes.SigningFailed, { cause: hsm() })
    expect((await request(await app(() => thrown)).get('/sign')).status).toBe(500)
    const span = await finishedSpan()
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR })
    expect(span.attributes).toEqual({
      'error.type': '500',
      'esign.code': 29,
      'esign.code_name': 'SigningFailed',
    })
    expect(span.events.map((event) => [event.name, event.attributes])).toEqual([
      [
        'exception',
        {
          'exception.type': 'SignError',
          'exception.message': 'Signing failed',
          'exception.stacktrace': thrown.stack,
        },
      ],
    ])
  })

  it('a huge message is recorded clipped, as in a debug answer: 1,024 characters, a stack of 8,192', async () => {
    const huge = new Error('x'.repeat(5 * 1024 * 1024))
    expect((await request(await app(() => huge)).get('/')).status).toBe(500)
    const span = await finishedSpan()
    const recorded = span.events[0]?.attributes ?? {}
    expect(recorded['exception.type']).toBe('Error')
    expect(recorded['exception.message']).toBe(`${'x'.repeat(1023)}…`)
    expect(recorded['exception.stacktrace']).toBe(`${huge.stack!.slice(0, 8191)}…`)
  })

  it('a foreign error: code 4, its own type recorded', async () => {
    expect((await request(await app(() => new TypeError('x is undefined'))).get('/')).status).toBe(500)
    const span = await finishedSpan()
    expect(span.attributes).toMatchObject({
      'error.type': '500',
      'esign.code': 4,
      'esign.code_name': 'ProcessingFailed',
    })
    expect(span.events[0]?.attributes?.['exception.type']).toBe('TypeError')
  })

  it('a 4xx: status left unset, no error.type, no exception; esign.code and name only', async () => {
    expect((await request(await app(() => new SignError(Codes.WrongPassword))).get('/login')).status).toBe(
      401,
    )
    const span = await finishedSpan()
    expect(span.status).toEqual({ code: SpanStatusCode.UNSET })
    expect(span.attributes).toEqual({ 'esign.code': 22, 'esign.code_name': 'WrongPassword' })
    expect(span.events).toEqual([])
  })

  it('recordExceptions: false marks the span but records no exception', async () => {
    const server = await app(() => new Error('db down'), { recordExceptions: false })
    expect((await request(server).get('/')).status).toBe(500)
    const span = await finishedSpan()
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR })
    expect(span.attributes['error.type']).toBe('500')
    expect(span.events).toEqual([])
  })

  it('without an active span the answer stands and nothing is exported', async () => {
    const server = await serve(buildApp(kind, () => new Error('db down')))
    expect((await request(server).get('/')).status).toBe(500)
    for (let i = 0; i < 5; i++) await tick()
    expect(exporter.getFinishedSpans()).toEqual([])
  })
})

describe('the built package (ESM and CommonJS)', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url))
  const scratch = mkdtempSync(join(tmpdir(), 'esign-errors-otel-'))
  const dist = join(scratch, 'dist')
  const SERVER = `
const server = http.createServer((req, res) => {
  const span = tracer?.startSpan('GET /boom')
  res.on('close', () => span?.end())
  if (!span) return app(req, res)
  context.with(trace.setSpan(context.active(), span), () => app(req, res))
})
const app = express()
  .get('/boom', () => { throw new Error('db down') })
  .use(errorHandler())
server.listen(0, '127.0.0.1', async () => {
  const res = await fetch(\`http://127.0.0.1:\${server.address().port}/boom\`)
  const code = (await res.json()).code
  await new Promise((resolve) => setTimeout(resolve, 20))
  const span = exporter?.getFinishedSpans()[0]
  console.log(JSON.stringify({ status: res.status, code, span: span && [span.status.code, span.attributes] }))
  server.close()
})
`
  const TRACING = `
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
trace.setGlobalTracerProvider(provider)
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
const tracer = provider.getTracer('app')
`
  const PROGRAMS = {
    absent: {
      'app.mjs': `import http from 'node:http'
import express from 'express'
import { errorHandler } from 'esign-errors/express'
let present = true
try { import.meta.resolve('@opentelemetry/api') } catch { present = false }
if (present) throw new Error('@opentelemetry/api is installed here')
const tracer = undefined, exporter = undefined
${SERVER}`,
      'app.cjs': `const http = require('node:http')
const express = require('express')
const { errorHandler } = require('esign-errors/express')
let present = true
try { require.resolve('@opentelemetry/api') } catch { present = false }
if (present) throw new Error('@opentelemetry/api is installed here')
const tracer = undefined, exporter = undefined
${SERVER}`,
    },
    present: {
      'app.mjs': `import http from 'node:http'
import express from 'express'
import { errorHandler } from 'esign-errors/express'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
${TRACING}${SERVER}`,
      'app.cjs': `const http = require('node:http')
const express = require('express')
const { errorHandler } = require('esign-errors/express')
const { context, trace } = require('@opentelemetry/api')
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks')
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base')
${TRACING}${SERVER}`,
    },
  }
  const OTEL = ['@opentelemetry/api', '@opentelemetry/context-async-hooks', '@opentelemetry/sdk-trace-base']

  beforeAll(async () => {
    // Built by the project's own tsup config, as `npm run build` does.
    await build({ outDir: dist, dts: false, silent: true })
    for (const project of ['absent', 'present'] as const) {
      const modules = join(scratch, project, 'node_modules')
      // A copy, not a link: a link's real path would find this repository's node_modules.
      cpSync(dist, join(modules, 'esign-errors', 'dist'), { recursive: true })
      writeFileSync(
        join(modules, 'esign-errors', 'package.json'),
        readFileSync(join(root, 'package.json'), 'utf8'),
      )
      const linked = ['express', 'negotiator', 'statuses', ...(project === 'present' ? OTEL : [])]
      for (const name of linked) {
        mkdirSync(dirname(join(modules, name)), { recursive: true })
        symlinkSync(join(root, 'node_modules', name), join(modules, name))
      }
      for (const [file, source] of Object.entries(PROGRAMS[project])) {
        writeFileSync(join(scratch, project, file), source)
      }
    }
  }, 120_000)

  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  const run = async (project: string, file: string) => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], {
      cwd: join(scratch, project),
    })
    return { result: JSON.parse(stdout) as unknown, stderr }
  }

  it.each(['app.mjs', 'app.cjs'])(
    'without @opentelemetry/api, %s answers and logs as usual',
    async (file) => {
      const { result, stderr } = await run('absent', file)
      expect(result).toEqual({ status: 500, code: 4 })
      expect(stderr).toMatch(/^esign-errors: 500 ProcessingFailed \(code 4\) Error: db down\n\s+at /)
    },
  )

  it.each(['app.mjs', 'app.cjs'])('with @opentelemetry/api, %s marks the span', async (file) => {
    const { result } = await run('present', file)
    expect(result).toEqual({
      status: 500,
      code: 4,
      span: [
        SpanStatusCode.ERROR,
        { 'esign.code': 4, 'esign.code_name': 'ProcessingFailed', 'error.type': '500' },
      ],
    })
  })
})
