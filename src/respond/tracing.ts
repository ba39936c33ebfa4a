/**
 * OpenTelemetry, when the app has `@opentelemetry/api` (an optional peer dependency): the span active when
 * an error is answered is marked as the HTTP semantic conventions ask of a server span. The package is never
 * imported: its global registry is read instead, so this module imports no Node built-in (the root entry
 * bundles for the browser) and a process without OpenTelemetry pays one property read per answered error.
 */
import { describeClipped } from '../core/foreign.js'
import type { ErrorResponse } from './body.js'

// The few members of @opentelemetry/api 1.x used here, so the package is never needed to build or type-check.
interface SpanLike {
  isRecording(): boolean
  setAttribute(key: string, value: string | number): unknown
  setStatus(status: { code: number }): unknown
  recordException(exception: unknown): unknown
}

/** What @opentelemetry/api 1.x keeps on `globalThis` (its `internal/global-utils`): one slot per API. */
interface Registry {
  context?: { active(): { getValue(key: symbol): unknown } | undefined } | undefined
}

/** Marks the active span for one answered error; never throws. */
export type TraceFunction = (response: ErrorResponse, thrown: unknown) => void

// Every copy of @opentelemetry/api 1.x, ESM or CommonJS, registers the context manager the app set under this
// key, and keys the active span of a context with `Symbol.for` of this description (`trace.getActiveSpan()`
// is `context.active().getValue(SPAN_KEY)`), so a span the app made is found without loading the package.
const REGISTRY = Symbol.for('opentelemetry.js.api.1')
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN')
// `SpanStatusCode.ERROR`, fixed by the 1.x API.
const ERROR = { code: 2 }

/** The span active now, as `trace.getActiveSpan()` finds it; undefined without a registered context manager. */
function activeSpan(): SpanLike | undefined {
  const registry = (globalThis as { [REGISTRY]?: Registry })[REGISTRY]
  if (registry === undefined) return undefined
  const span = registry.context?.active()?.getValue(SPAN_KEY) as SpanLike | undefined
  return typeof span?.isRecording === 'function' ? span : undefined
}

/**
 * The tracing step of a handler. On the active span, for every error: `esign.code` and `esign.code_name`.
 * For >= 500: status ERROR, `error.type` = the status as a string, and the thrown value recorded as an
 * exception unless `recordExceptions` is false. A 4xx leaves the status unset and sets no `error.type`: a
 * server span does not count a client's mistake as its error.
 */
export function compileTrace(recordExceptions: boolean): TraceFunction {
  return function traceError(response, thrown) {
    try {
      const span = activeSpan()
      if (span === undefined || !span.isRecording()) return
      span.setAttribute('esign.code', response.code)
      span.setAttribute('esign.code_name', response.name)
      if (response.status < 500) return
      span.setAttribute('error.type', String(response.status))
      span.setStatus(ERROR)
      // Name, message and stack: the SDK would take a numeric `code` property for the exception's type.
      // Clipped as in a `debug` answer: an exporter sends the span event as it is.
      if (recordExceptions) span.recordException(describeClipped(thrown, true))
    } catch {
      // A broken tracer must not turn an answered error into a crash.
    }
  }
}
