// Our client (the built package `esign-errors/platform`): listContracts() with the page of call.mjs.
// ESIGN_PLATFORM=<file> loads another build of it instead (an older commit's dist/platform.js, say), to
// measure a change against the same hand-written client.
import { pathToFileURL } from 'node:url'
import { PAYLOAD } from './call.mjs'

const other = process.env.ESIGN_PLATFORM
const { createPlatformClient } = await import(
  other === undefined || other === '' ? 'esign-errors/platform' : pathToFileURL(other).href
)

/** A function that makes one call and resolves with its decrypted answer; the token is fetched on first use. */
export function clientOf({ baseUrl, apiKey, apiSecret }) {
  const platform = createPlatformClient({ baseUrl, apiKey, apiSecret })
  const { startIndex, pageSize, rDetail, contractState, date } = PAYLOAD
  return () => platform.listContracts({ startIndex, pageSize, rDetail, contractState, date })
}
