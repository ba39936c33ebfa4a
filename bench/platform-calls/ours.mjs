// Our client (the built package `esign-errors/platform`): listContracts() with the page of call.mjs.
import { createPlatformClient } from 'esign-errors/platform'
import { PAYLOAD } from './call.mjs'

/** A function that makes one call and resolves with its decrypted answer; the token is fetched on first use. */
export function clientOf({ baseUrl, apiKey, apiSecret }) {
  const platform = createPlatformClient({ baseUrl, apiKey, apiSecret })
  const { startIndex, pageSize, rDetail, contractState, date } = PAYLOAD
  return () => platform.listContracts({ startIndex, pageSize, rDetail, contractState, date })
}
