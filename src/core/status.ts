import { defaultFallbackCode, validStatus } from './fallback.js'
import { ownEntry } from './foreign.js'

/** Status -> return code for errors that carry only an HTTP status; see DESIGN's fallback table. */
export type FallbackCodes = Readonly<Partial<Record<number, number>>>

/** Code -> status, applied to every error with that code (e.g. `{ 42: 404 }`). */
export type StatusOverrides = Readonly<Partial<Record<number, number>>>

/**
 * The platform's credential codes: 2 MacMismatch, 5 InvalidAccessToken, 6 AccessTokenExpired, 53
 * IntegrationKeyNotFound. The catalog answers them 401, right when the credential is the client's; the platform
 * client answers them 502, as they are the service's own there and its clients cannot sign in again for them.
 */
export const SERVICE_CREDENTIAL_CODES = [2, 5, 6, 53] as const

/** The return code for an error that carries only an HTTP status. */
export function fallbackCode(status: number, overrides?: FallbackCodes): number {
  return ownEntry(overrides, status) ?? defaultFallbackCode(status)
}

/**
 * The status `overrides` gives `code`. Own entries only: an inherited one would skip
 * {@link checkStatusOverrides}.
 */
export function overrideFor(overrides: StatusOverrides | undefined, code: number): number | undefined {
  return ownEntry(overrides, code)
}

/** Throws a `TypeError` that names `caller` unless every entry of `overrides` is a status from 400 to 599. */
export function checkStatusOverrides(caller: string, overrides: StatusOverrides | undefined): void {
  if (overrides === undefined) return
  for (const [code, status] of Object.entries(overrides)) {
    if (validStatus(status) === undefined) {
      throw new TypeError(`${caller}: statusOverrides[${code}] must be an integer from 400 to 599`)
    }
  }
}
