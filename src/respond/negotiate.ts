import type http from 'node:http'
import type nodeModule from 'node:module'
import type Negotiator from 'negotiator'
import type statuses from 'statuses'
import { ownEntry } from '../core/foreign.js'
import { memo, ownHeader, type RequestLike } from './request.js'

// The types as the answers carry them, charset and all: negotiator matches a range with parameters
// (`application/problem+json; charset=utf-8`) only to a type with the same ones.
const JSON_TYPE = 'application/json; charset=utf-8'
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8'
const MEDIA_TYPES = [JSON_TYPE, PROBLEM_TYPE]
// Worth negotiating: a header that names problem+json, or weighs its ranges (`application/json;q=0.5, */*`
// ranks JSON below what a wildcard takes). Any other prefers the envelope; each header is negotiated once.
const MAY_PREFER_PROBLEM = /problem|q\s*=/i
// Negotiation is bounded in work, not only in bytes: negotiator's cost grows with every range and every
// parameter, so past 1 KB an Accept or Accept-Language header is not parsed, and only its first 16 elements
// (ranges and parameters together) are considered. The worst header then costs what a browser's does.
const MAX_NEGOTIATED_HEADER = 1024
const MAX_ELEMENTS = 16

// negotiator and statuses are required when first needed, not when the package loads: together they are most
// of what loading it would cost, and many processes never negotiate. A require() of this file's own works in
// both the ESM and the CommonJS builds. A bundler cannot see it: in a server bundled into one file without
// node_modules, negotiation is off (the JSON envelope is sent) and reason phrases are Node's own, rather than
// the error path throwing. `node:module` itself comes from `process.getBuiltinModule` (Node 20.16 and 22.3
// on, Bun, Deno), not an import: the root entry imports no Node built-in, so it bundles for the browser, where
// there is no require at all and both are left out the same way.
let lazyRequire: ((name: string) => unknown) | null | undefined
let reasons: Readonly<Record<number, string | undefined>> | undefined
let NegotiatorClass: typeof Negotiator | null | undefined

function negotiator(headers: Record<string, string>): Negotiator | undefined {
  if (NegotiatorClass === undefined) NegotiatorClass = optional<typeof Negotiator>('negotiator') ?? null
  return NegotiatorClass === null ? undefined : new NegotiatorClass({ headers })
}

/** A Node built-in module, without importing it; undefined where the runtime has none to give. */
function builtin<T>(name: string): T | undefined {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    return runtime?.getBuiltinModule?.(name) as T | undefined
  } catch {
    return undefined
  }
}

function optional<T>(name: string): T | undefined {
  try {
    if (lazyRequire === undefined) {
      lazyRequire = null
      const module = builtin<typeof nodeModule>('module')
      if (module !== undefined) lazyRequire = module.createRequire(import.meta.url)
    }
    return lazyRequire === null ? undefined : (lazyRequire(name) as T)
  } catch {
    return undefined
  }
}

/** The HTTP reason phrase of a status (`statuses`), or a generic one for an unregistered status. */
export function reasonPhrase(status: number): string {
  reasons ??=
    optional<typeof statuses>('statuses')?.message ?? builtin<typeof http>('http')?.STATUS_CODES ?? {}
  return ownEntry(reasons, status) ?? (status < 500 ? 'Client Error' : 'Server Error')
}

const acceptsProblem = memo(
  (accept: string): boolean =>
    MAY_PREFER_PROBLEM.test(accept) && negotiator({ accept })?.mediaType(MEDIA_TYPES) === PROBLEM_TYPE,
)

export function prefersProblem(headers: RequestLike['headers']): boolean {
  const accept = negotiable(headers, 'accept')
  return accept !== undefined && acceptsProblem(accept)
}

/** Chooses among a handler's locales on `Accept-Language`. */
export function localePicker(locales: string[]): (headers: RequestLike['headers']) => string | undefined {
  const pick = memo((language: string) => negotiator({ 'accept-language': language })?.language(locales))
  return (headers) => {
    const language = negotiable(headers, 'accept-language')
    return language === undefined ? undefined : pick(language)
  }
}

/**
 * The part of a request header worth negotiating on: none past 1 KB, else its whole ranges up to 16
 * elements (a range, and each of its parameters, is one). A range is never cut from its parameters, which
 * could turn `;q=0` into a preference; a first range with more than 15 parameters leaves nothing to negotiate.
 */
function negotiable(headers: RequestLike['headers'], name: string): string | undefined {
  const value = ownHeader(headers, name)
  if (typeof value !== 'string' || value.length > MAX_NEGOTIATED_HEADER) return undefined
  let elements = 1
  let lastComma = -1
  for (let index = 0; index < value.length; index++) {
    const char = value.charCodeAt(index)
    if (char === 0x2c) {
      if (++elements > MAX_ELEMENTS) return value.slice(0, index)
      lastComma = index
    } else if (char === 0x3b && ++elements > MAX_ELEMENTS) {
      return lastComma === -1 ? undefined : value.slice(0, lastComma)
    }
  }
  return value
}
