/**
 * esign-errors/openapi: the error answers of the wire contract as OpenAPI 3.1 components (schemas,
 * responses, examples), built from the same catalog and responder the handlers use.
 *
 * @packageDocumentation
 */
import { describe, entries } from '../core/codes.js'
import { methodNotAllowedError } from '../core/routing-errors.js'
import { notFoundError, SignError } from '../core/sign-error.js'
import type { StatusOverrides } from '../core/status.js'
import { checkStatusOverrides, overrideFor, SERVICE_CREDENTIAL_CODES } from '../core/status.js'
import type { ErrorResponse } from '../respond/body.js'
import { reasonPhrase } from '../respond/negotiate.js'
import { createResponder } from '../respond/responder.js'

/** A JSON Schema object, in the 2020-12 dialect OpenAPI 3.1 uses. */
export type JsonSchema = { readonly [keyword: string]: unknown }

/** An OpenAPI Example Object. */
export interface OpenApiExample {
  summary: string
  value: unknown
}

/** An OpenAPI Media Type Object pointing at one of our schemas. */
export interface OpenApiMediaType {
  schema: { $ref: string }
  examples: Record<string, OpenApiExample>
}

/** An OpenAPI Header Object. */
export interface OpenApiHeader {
  description: string
  schema: JsonSchema
}

/** An OpenAPI Response Object for one HTTP status: the JSON envelope and the problem+json form. */
export interface OpenApiResponse {
  description: string
  headers: Record<string, OpenApiHeader>
  content: {
    'application/json': OpenApiMediaType
    'application/problem+json': OpenApiMediaType
  }
}

/** What {@link openApiComponents} returns: spread it into your document's `components`. */
export interface OpenApiComponents {
  schemas: {
    ErrorEnvelope: JsonSchema
    ProblemDetails: JsonSchema
    SuccessEnvelope: JsonSchema
  }
  /** One per HTTP status the codes use, keyed `Error<status>` (`Error401`, `Error404`, …). */
  responses: Record<string, OpenApiResponse>
}

/** Options of {@link openApiComponents}. */
export interface OpenApiOptions {
  /** The same `problemBaseUrl` the error handler gets, so problem examples show the same `type` and `title`. */
  problemBaseUrl?: string | undefined
  /** The same `statusOverrides` the error handler gets, so each code is listed under the status it is answered with. */
  statusOverrides?: StatusOverrides | undefined
}

const SCHEMAS = '#/components/schemas/'

// Statuses the fallback table maps to a code of their own, and 500: what an error carrying only a status
// (http-errors, a body parser's error, a route's `res.statusCode = 503`) is answered with. 405 is the
// adapters' own answer to a wrong method, below.
const FALLBACK_STATUSES = [400, 401, 403, 404, 413, 415, 422, 429, 500, 501, 503] as const

/** An answer the handlers send besides each code at its own status, and what sends it. */
interface OtherAnswer {
  thrown: unknown
  why: string
}

/**
 * Answers the handlers send that are not a code at its catalog status: `notFound()`, errors that carry only a
 * status (each one of the fallback table), and what calls to the platform turn into (unreachable, timed
 * out, unreadable, an unknown code, the service's own credentials refused).
 */
function otherAnswers(): OtherAnswer[] {
  const unknown = firstUnknownCode()
  return [
    { thrown: notFoundError(), why: 'no route matched (`notFound()`)' },
    {
      thrown: methodNotAllowedError(['GET', 'HEAD']),
      why: 'a known path asked with a method none of its routes takes; `Allow` lists those it takes',
    },
    ...FALLBACK_STATUSES.map((status) => ({
      thrown: { status },
      why: `an error that carries only the status ${status}`,
    })),
    {
      thrown: new SignError(4, { status: 502 }),
      why: 'the platform could not be reached or answered garbage',
    },
    { thrown: new SignError(4, { status: 504 }), why: 'the platform did not answer in time' },
    { thrown: new SignError(3, { status: 502 }), why: "the platform's answer could not be read" },
    { thrown: new SignError(unknown), why: 'the platform answered a code outside the catalog' },
    // The platform's credential codes, answered 502 by the platform client: they are the service's, not its client's.
    ...SERVICE_CREDENTIAL_CODES.map((code) => ({
      thrown: new SignError(code, { status: 502 }),
      why: "the platform refused the service's own credentials (`esign-errors/platform`)",
    })),
  ]
}

function firstUnknownCode(): number {
  let code = 999
  while (describe(code) !== undefined) code++
  return code
}

/**
 * OpenAPI 3.1 `components` describing every response the error handlers send: the `ErrorEnvelope`,
 * `ProblemDetails` and `SuccessEnvelope` schemas, and one response per HTTP status (`Error401`, …) with an
 * example per return code. Built from the catalog and the codes added with `defineCodes` at call time,
 * so call it after those are defined.
 *
 * @example
 * const document = {
 *   openapi: '3.1.0',
 *   info: { title: 'Signing API', version: '1.0.0' },
 *   components: openApiComponents({ problemBaseUrl: 'https://docs.example.com/errors/' }),
 *   paths: {
 *     '/login': { post: { responses: { '401': { $ref: '#/components/responses/Error401' } } } },
 *   },
 * }
 */
export function openApiComponents(options: OpenApiOptions = {}): OpenApiComponents {
  checkStatusOverrides('openApiComponents', options.statusOverrides)
  // The examples come from the response builder itself, with the handler's options: the documented bodies
  // are the sent ones.
  const handler = {
    log: false,
    problemBaseUrl: options.problemBaseUrl,
    statusOverrides: options.statusOverrides,
  } as const
  const envelopes = createResponder({ ...handler, format: 'json' })
  const problems = createResponder({ ...handler, format: 'problem' })

  const errors = entries().filter((entry) => entry.code !== 0)
  type Answer = { code: number; name: string; line: string; thrown: unknown }
  const byStatus = new Map<number, Answer[]>()
  const add = (status: number, answer: Answer) => {
    const list = byStatus.get(status)
    if (list === undefined) byStatus.set(status, [answer])
    // One example per code and status: a fallback answer that a catalog code already shows adds nothing.
    else if (!list.some((other) => other.code === answer.code)) list.push(answer)
  }
  for (const entry of errors) {
    const status = overrideFor(options.statusOverrides, entry.code) ?? entry.status
    const line = `- \`${entry.code}\` ${entry.name}: ${entry.message}`
    add(status, { code: entry.code, name: entry.name, line, thrown: new SignError(entry.code) })
  }
  for (const { thrown, why } of otherAnswers()) {
    const { status, code, name } = envelopes.respond(thrown)
    add(status, { code, name, line: `- \`${code}\` ${name}: ${why}`, thrown })
  }

  const responses: Record<string, OpenApiResponse> = {}
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    const list = byStatus.get(status)!
    const json: Record<string, OpenApiExample> = {}
    const problem: Record<string, OpenApiExample> = {}
    for (const { code, name, thrown } of list) {
      const summary = `${code} ${name}`
      json[name] = { summary, value: bodyOf(envelopes.respond(thrown)) }
      problem[name] = { summary, value: bodyOf(problems.respond(thrown)) }
    }
    const more = status < 500 ? 'Any other 4xx status answers code 1' : 'Any other 5xx status answers code 4'
    responses[`Error${status}`] = {
      description: `${reasonPhrase(status)}. Return codes:\n\n${list.map((answer) => answer.line).join('\n')}\n\n${more}.`,
      headers: headersFor(status),
      content: {
        'application/json': { schema: { $ref: `${SCHEMAS}ErrorEnvelope` }, examples: json },
        'application/problem+json': { schema: { $ref: `${SCHEMAS}ProblemDetails` }, examples: problem },
      },
    }
  }

  const members = memberSchemas(errors.map((entry) => entry.code))
  const ok = describe(0)
  return {
    schemas: {
      ErrorEnvelope: {
        type: 'object',
        description: 'Body of every error answered as application/json.',
        required: ['code', 'name', 'message', 'status', 'retryable'],
        properties: {
          code: members.code,
          name: members.name,
          message: { type: 'string', description: 'Catalog message, or the one the error was thrown with.' },
          status: members.status,
          retryable: members.retryable,
          requestId: members.requestId,
          details: members.details,
        },
      },
      ProblemDetails: {
        type: 'object',
        description: 'RFC 9457 problem document, sent when the client prefers application/problem+json.',
        required: ['type', 'title', 'status', 'detail', 'code', 'name', 'retryable'],
        properties: {
          type: {
            type: 'string',
            format: 'uri-reference',
            description:
              options.problemBaseUrl === undefined
                ? '`about:blank`.'
                : `${options.problemBaseUrl} followed by the kebab-case name of the code.`,
          },
          title: {
            type: 'string',
            description:
              options.problemBaseUrl === undefined
                ? 'HTTP reason phrase of the status.'
                : 'Catalog message of the code.',
          },
          status: members.status,
          detail: { type: 'string', description: 'Same text as `message` in the JSON envelope.' },
          instance: { type: 'string', format: 'uri-reference', description: 'Request path, without query.' },
          code: members.code,
          name: members.name,
          retryable: members.retryable,
          requestId: members.requestId,
          details: members.details,
        },
      },
      SuccessEnvelope: {
        type: 'object',
        description: 'Body of a successful answer built with `success(data)`.',
        required: ['code', 'message', 'data'],
        properties: {
          code: { const: ok.code },
          message: { const: ok.message },
          data: { description: 'The payload.' },
        },
      },
    },
    responses,
  }
}

/** Members the envelope and the problem document share, written once. */
function memberSchemas(codes: number[]) {
  return {
    // Listed as examples, not an enum: an upstream code outside the catalog is answered as UnknownCode
    // with its number kept, and a strict client generated from an enum would reject that real response.
    code: {
      type: 'integer',
      examples: codes,
      description: 'Return code of the platform; a code outside the catalog comes with the name UnknownCode.',
    },
    name: { type: 'string', description: 'PascalCase name of the code.' },
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'HTTP status of the response.' },
    retryable: { type: 'boolean', description: 'Whether the same request may succeed later.' },
    requestId: { type: 'string', description: 'Request id, when one is known; also in X-Request-Id.' },
    details: {
      description: 'Client-safe data; for invalid input (code 1) a list of `{ path, message, code }`.',
    },
  } satisfies Record<string, JsonSchema>
}

function bodyOf(response: ErrorResponse): unknown {
  return JSON.parse(response.body)
}

function headersFor(status: number): Record<string, OpenApiHeader> {
  const headers: Record<string, OpenApiHeader> = {
    'X-Request-Id': { description: 'Request id, when one is known.', schema: { type: 'string' } },
  }
  if (status === 401) {
    headers['WWW-Authenticate'] = {
      description: 'Authentication scheme (`Bearer`).',
      schema: { type: 'string' },
    }
  }
  if (status === 405) {
    headers.Allow = { description: 'The methods the path does take (RFC 9110).', schema: { type: 'string' } }
  }
  return headers
}
