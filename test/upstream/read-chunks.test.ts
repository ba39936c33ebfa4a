// readChunks (src/upstream/transport.ts) on a body of Response's own, chunk by chunk.
import { describe, expect, it } from 'vitest'
import { readChunks } from '../../src/upstream/transport.js'
import { rejectionOf } from '../helpers/rejections.js'

/** A Response whose body gives `chunks` one per read, and says whether it was cancelled. */
function answer(chunks: string[]) {
  const state = { cancelled: false, pulled: 0 }
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[state.pulled++]
      if (chunk === undefined) controller.close()
      else controller.enqueue(new TextEncoder().encode(chunk))
    },
    cancel() {
      state.cancelled = true
    },
  })
  return { response: new Response(body), state }
}

describe('readChunks', () => {
  it('hands each chunk over and resolves with the length', async () => {
    const { response, state } = answer(['ab', 'cde'])
    const seen: string[] = []
    const total = await readChunks(response, 100, undefined, (chunk) => {
      seen.push(new TextDecoder().decode(chunk))
    })
    expect([total, seen, state.cancelled]).toEqual([5, ['ab', 'cde'], false])
  })

  it('cancels the body when the reader of a chunk throws, so that its connection is let go', async () => {
    const { response, state } = answer(['ab', 'cde', 'fg'])
    const failure = new Error('not this chunk')
    const error = await rejectionOf(
      readChunks(response, 100, undefined, (chunk) => {
        if (chunk.length === 3) throw failure
      }),
    )
    expect(error).toBe(failure)
    expect(state.cancelled).toBe(true)
  })
})
