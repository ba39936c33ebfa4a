/**
 * esign-errors/client: a service's answers read back into typed errors, for browsers, Deno, Bun, workers and
 * Node. Web-standard `Response` only; no Node imports, and no catalog unless you pass its `describe`.
 *
 * @packageDocumentation
 */
export type { ApiErrorInit, BodyFormat } from './api-error.js'
export { ApiError, isApiError } from './api-error.js'
export type { Describe, ReadErrorOptions } from './read-error.js'
export { readError, unwrap } from './read-error.js'
export type { RetryOptions } from './retry.js'
export { retry } from './retry.js'
