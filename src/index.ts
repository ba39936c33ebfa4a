/**
 * esign-errors: the return codes of the e-signature platform as typed errors, and one wire format
 * for every error a service answers with.
 *
 * @packageDocumentation
 */
export { catalog } from './core/catalog.js'
export type { Code, CodeDefinition, CodeName, CodesMap, EntryOf, ErrorCode, NameOf } from './core/codes.js'
export { Codes, defineCodes, describe, entries } from './core/codes.js'
export type { CauseInfo } from './core/foreign.js'
export type { SignErrorOptions, StackTraces } from './core/sign-error.js'
export { isSignError, SignError } from './core/sign-error.js'
export type { FallbackCodes, StatusOverrides } from './core/status.js'
export { fallbackCode } from './core/status.js'
export type { CatalogEntry, Category } from './core/types.js'
export { REPLACED_HEADERS_VIEW as REPLACED_HEADERS } from './http/headers.js'
export type { DebugInfo, ErrorBody, ErrorResponse, ProblemBody, SuccessBody } from './respond/body.js'
export { success } from './respond/body.js'
export type { LogEntry, LoggerLike } from './respond/log.js'
export type {
  JsonSchema,
  OpenApiComponents,
  OpenApiExample,
  OpenApiHeader,
  OpenApiMediaType,
  OpenApiOptions,
  OpenApiResponse,
} from './respond/openapi.js'
export { openApiComponents } from './respond/openapi.js'
export type { ErrorHandlerOptions, Format } from './respond/options.js'
export type { RequestLike } from './respond/request.js'
export type { Responder } from './respond/responder.js'
export { createResponder, toErrorResponse } from './respond/responder.js'
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
