import { constants } from 'node:http2'

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
    ;(stream as { close(code: number): void }).close(constants.NGHTTP2_INTERNAL_ERROR)
  } else {
    res.destroy()
  }
}
