/**
 * What the Fastify plugin watches to tell the log of errors Fastify hands to no error handler: a route that
 * throws after its reply was sent, and a stream that fails once its answer started.
 */
import type { AnyFastifyReply, AnyFastifyRequest } from './types.js'

type Handler = (this: unknown, request: AnyFastifyRequest, reply: AnyFastifyReply) => unknown
export type OnThrown = (error: unknown, request: AnyFastifyRequest, reply: AnyFastifyReply) => void

/** The handler, unchanged in what it returns or throws; `onThrown` sees what it throws or rejects with. */
export function watchHandler<H>(handler: H, onThrown: OnThrown): H {
  const original = handler as Handler
  return function esignWatchedHandler(this: unknown, request: AnyFastifyRequest, reply: AnyFastifyReply) {
    let result: unknown
    try {
      result = original.call(this, request, reply)
    } catch (error) {
      onThrown(error, request, reply)
      throw error
    }
    // Registered before Fastify's own reaction, so both see the reply in the same state. Only a native
    // promise: calling `then` a second time on some thenables (query builders) runs them a second time.
    if (result instanceof Promise) result.then(undefined, (error: unknown) => onThrown(error, request, reply))
    return result
  } as H
}

interface NodeStreamLike {
  pipe: unknown
  on(event: 'error', listener: (error: unknown) => void): unknown
}

/**
 * The payload, with `onError` told of a stream's failure: a listener for a Node stream, a pass-through
 * for a web stream (whose reader can be had only once). Anything else goes out untouched.
 */
export function watchStream(payload: unknown, onError: (error: unknown) => void): unknown {
  if (typeof payload !== 'object' || payload === null) return payload
  if (typeof (payload as NodeStreamLike).pipe === 'function') {
    if (typeof (payload as NodeStreamLike).on === 'function') (payload as NodeStreamLike).on('error', onError)
    return payload
  }
  if (payload instanceof ReadableStream && !payload.locked) {
    const reader = payload.getReader()
    return new ReadableStream({
      async pull(controller) {
        let chunk: Awaited<ReturnType<typeof reader.read>>
        try {
          chunk = await reader.read()
        } catch (error) {
          onError(error)
          controller.error(error)
          return
        }
        if (chunk.done) controller.close()
        else controller.enqueue(chunk.value)
      },
      cancel: (reason) => reader.cancel(reason),
    })
  }
  return payload
}

/**
 * What the plugin needs of a Fastify `LogController` (Fastify exports the class from 5.10 on): the line it
 * writes when a stream fails after the head went out. Its request and reply are left untyped here, so that
 * the class of any Fastify release with one fits, whichever release's types the package was built against.
 */
export interface StreamErrorLogging {
  streamError(error: Error, request: never, reply: never, metadata?: never): void
}

/** A constructor of {@link StreamErrorLogging}: Fastify's `LogController`, or a subclass of it. */
export type LogControllerClass = abstract new (...args: never[]) => StreamErrorLogging

/**
 * An instance of a subclass of `Base` whose `streamError` first tells `onStreamError` (which must not throw,
 * and is kept from it), then writes Fastify's own line (or the line of the user's subclass), as before.
 */
export function streamErrorController<C extends LogControllerClass>(
  Base: C,
  args: ConstructorParameters<C>,
  onStreamError: OnThrown,
): InstanceType<C> {
  if (typeof Base !== 'function' || typeof Base.prototype?.streamError !== 'function') {
    throw new TypeError(
      "esignErrors().logController: give it Fastify's LogController (import { LogController } from 'fastify', Fastify 5.10 or later) or a subclass of it",
    )
  }
  const Parent = Base as unknown as new (...args: unknown[]) => StreamErrorLogging
  class EsignLogController extends Parent {
    override streamError(error: Error, request: never, reply: never, metadata?: never): void {
      try {
        onStreamError(error, request as AnyFastifyRequest, reply as AnyFastifyReply)
      } catch {
        // Called from a stream's end-of-stream callback, where a throw would crash the process.
      }
      super.streamError(error, request, reply, metadata)
    }
  }
  return new EsignLogController(...args) as InstanceType<C>
}
