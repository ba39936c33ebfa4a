/**
 * esign-errors: the return codes of the e-signature platform as typed errors, and one wire format
 * for every error a service answers with.
 *
 * @packageDocumentation
 */
export { catalog } from './catalog.js'
export type { Code, CodeDefinition, CodeName, CodesMap, EntryOf, ErrorCode, NameOf } from './codes.js'
export { Codes, defineCodes, describe, entries } from './codes.js'
export { REPLACED_HEADERS_VIEW as REPLACED_HEADERS } from './headers.js'
export type { FallbackCodes, StatusOverrides } from './normalize.js'
export { fallbackCode } from './normalize.js'
export type {
  JsonSchema,
  OpenApiComponents,
  OpenApiExample,
  OpenApiHeader,
  OpenApiMediaType,
  OpenApiOptions,
  OpenApiResponse,
} from './openapi.js'
export { openApiComponents } from './openapi.js'
export type {
  CauseInfo,
  DebugInfo,
  ErrorBody,
  ErrorHandlerOptions,
  ErrorResponse,
  Format,
  LogEntry,
  LoggerLike,
  ProblemBody,
  RequestLike,
  Responder,
  SuccessBody,
} from './response.js'
export { createResponder, success, toErrorResponse } from './response.js'
export type { SignErrorOptions, StackTraces } from './sign-error.js'
export { isSignError, SignError } from './sign-error.js'
export type { CatalogEntry, Category } from './types.js'
export type {
  AssertUpstreamOptions,
  CallUpstreamOptions,
  FromUpstreamOptions,
  Parse,
  SafeParser,
  UpstreamFacts,
  UpstreamFields,
  UpstreamReadOptions,
} from './upstream.js'
export { assertUpstreamOk, callUpstream, fromUpstream, UpstreamError } from './upstream.js'
