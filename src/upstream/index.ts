/**
 * esign-errors/upstream: answers of any endpoint that speaks the platform's `{ result, message, data }`
 * envelope, read into SignErrors (`fromUpstream`, `assertUpstreamOk`), and a bounded `callUpstream`.
 * The root entry re-exports the functions; their option types live here.
 *
 * @packageDocumentation
 */
export type {
  AssertUpstreamOptions,
  CallUpstreamOptions,
  FromUpstreamOptions,
  Parse,
  SafeParser,
  UpstreamFacts,
  UpstreamFields,
  UpstreamReadOptions,
} from '../upstream.js'
export { assertUpstreamOk, callUpstream, fromUpstream, UpstreamError } from '../upstream.js'
