/**
 * esign-errors: the return codes of the e-signature platform as typed errors, and one wire format
 * for every error a service answers with.
 *
 * @packageDocumentation
 */

export type { CatalogEntry } from './core/catalog.js'
export { catalog } from './core/catalog.js'
export type { Code, CodeName, ErrorCode } from './core/codes.js'
export { Codes, defineCodes, describe, entries } from './core/codes.js'
export type { SignErrorOptions } from './core/sign-error.js'
export { isSignError, SignError } from './core/sign-error.js'
export { fallbackCode } from './core/status.js'
export { REPLACED_HEADERS_VIEW as REPLACED_HEADERS } from './http/headers.js'
export type { ErrorBody, ErrorResponse, ProblemBody, SuccessBody } from './respond/body.js'
export { success } from './respond/body.js'
export type { LogEntry, LoggerLike } from './respond/log.js'
export type { ErrorHandlerOptions } from './respond/options.js'
export type { RequestLike } from './respond/request.js'
export type { Responder } from './respond/responder.js'
export { createResponder, toErrorResponse } from './respond/responder.js'
export { assertUpstreamOk, callUpstream, fromUpstream, UpstreamError } from './upstream/index.js'
