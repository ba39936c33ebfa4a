/**
 * esign-errors/upstream: answers of any endpoint that speaks the platform's `{ result, message, data }`
 * envelope, read into SignErrors (`fromUpstream`, `assertUpstreamOk`), and a bounded `callUpstream`.
 * The root entry re-exports the functions; their option types live here.
 *
 * @packageDocumentation
 */
export type {
  AssertUpstreamOptions,
  FromUpstreamOptions,
  Parse,
  SafeParser,
  UpstreamFacts,
  UpstreamFields,
  UpstreamReadOptions,
} from './answer.js'
export { assertUpstreamOk, fromUpstream, UpstreamError } from './answer.js'
export type { CallUpstreamOptions } from './call.js'
export { callUpstream } from './call.js'
