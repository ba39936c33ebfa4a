/**
 * OpenTelemetry, when the app has `@opentelemetry/api` (an optional peer dependency): the span active when
 * an error is answered is marked as the HTTP semantic conventions ask of a server span. Without the package
 * nothing is loaded and nothing is done.
 */
import { createRequire } from 'node:module'
import { describeClipped } from './log.js'
import type { ErrorResponse } from './response.js'

// The few members of @opentelemetry/api 1.x used here, so the package is never needed to build or type-check.
interface SpanLike {
  isRecording(): boolean
  setAttribute(key: string, value: string | number): unknown
  setStatus(status: { code: number }): unknown
  recordException(exception: unknown): unknown
}

interface OpenTelemetryApi {
  trace: { getActiveSpan(): SpanLike | undefined }
  SpanStatusCode: { ERROR: number }
}

/** Marks the active span for one answered error; never throws. */
export type TraceFunction = (response: ErrorResponse, thrown: unknown) => void

// undefined: not looked for yet; null: not installed (or not usable).
let api: OpenTelemetryApi | null | undefined

/**
 * `@opentelemetry/api`, looked for once per process, when the first handler is built (never when this
 * module loads). Its state lives on `globalThis`, so the copy found here sees the tracer provider and context
 * manager the app registered, whether the app imported the package as ESM or CommonJS.
 */
function openTelemetry(): OpenTelemetryApi | null {
  if (api !== undefined) return api
  api = null
  try {
    // A require() of this file's own: the build turns `import.meta.url` into the file's URL in the CommonJS
    // output. (esbuild's `__require` stand-in exists in the ESM output too, and throws.)
    const loaded = createRequire(import.meta.url)('@opentelemetry/api') as
      | Partial<OpenTelemetryApi>
      | undefined
    if (
      typeof loaded?.trace?.getActiveSpan === 'function' &&
      typeof loaded.SpanStatusCode?.ERROR === 'number'
    ) {
      api = loaded as OpenTelemetryApi
    }
  } catch {
    // Not installed: tracing is off, at the cost of the one branch that finds it undefined.
  }
  return api
}

/**
 * The tracing step of a handler, or `undefined` when `@opentelemetry/api` is absent. On the active span, for
 * every error: `esign.code` and `esign.code_name`. For >= 500: status ERROR, `error.type` = the status as a
 * string, and the thrown value recorded as an exception unless `recordExceptions` is false. A 4xx leaves the
 * status unset and sets no `error.type`: a server span does not count a client's mistake as its error.
 */
export function compileTrace(recordExceptions: boolean): TraceFunction | undefined {
  const otel = openTelemetry()
  if (otel === null) return undefined
  const trace = otel.trace
  const error = { code: otel.SpanStatusCode.ERROR }
  return function traceError(response, thrown) {
    try {
      const span = trace.getActiveSpan()
      if (span === undefined || !span.isRecording()) return
      span.setAttribute('esign.code', response.code)
      span.setAttribute('esign.code_name', response.name)
      if (response.status < 500) return
      span.setAttribute('error.type', String(response.status))
      span.setStatus(error)
      // Name, message and stack: the SDK would take a numeric `code` property for the exception's type.
      // Clipped as in a `debug` answer: an exporter sends the span event as it is.
      if (recordExceptions) span.recordException(describeClipped(thrown, true))
    } catch {
      // A broken tracer must not turn an answered error into a crash.
    }
  }
}
