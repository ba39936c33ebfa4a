import type { ErrorResponse } from './body.js'

// RFC 9113 §7, INTERNAL_ERROR (node:http2's constants.NGHTTP2_INTERNAL_ERROR): a number, so respond/ imports
// no Node built-in.
const INTERNAL_ERROR = 0x2

/** What {@link cutResponse} needs of a Node response, HTTP/1 (`ServerResponse`) or HTTP/2 (`Http2ServerResponse`). */
export interface CuttableResponse {
  readonly writableEnded: boolean
  destroy(): void
}

/**
 * Ends a response that can no longer be answered, so the client sees it cut instead of waiting; never one the
 * route had finished. Over HTTP/2 a stream closed without an error code reads as a complete answer, so the
 * stream is reset with `INTERNAL_ERROR` instead.
 */
export function cutResponse(res: CuttableResponse): void {
  if (res.writableEnded) return
  const stream = (res as { stream?: { close?: unknown } }).stream
  if (typeof stream?.close === 'function') {
    ;(stream as { close(code: number): void }).close(INTERNAL_ERROR)
  } else {
    res.destroy()
  }
}

/** What {@link asReceived} needs of a Node response. */
export interface AnsweredResponse {
  readonly writableEnded: boolean
  readonly statusCode: number
}

/**
 * The answer to log for an error raised once the response had started: as built when the answer is cut, but
 * with the status the client got when the route (or its body stream) had ended the answer already. The
 * client then has a whole answer, usually a 200, and logging it as a 500 would say otherwise.
 */
export function asReceived(response: ErrorResponse, res: AnsweredResponse): ErrorResponse {
  return res.writableEnded ? { ...response, status: res.statusCode } : response
}
