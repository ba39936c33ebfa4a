/**
 * Reading values the package did not make: own-property reads, getters and Proxy traps that may throw,
 * cause chains, promises a user's hook returned, "is it an Error" across realms. Nothing here throws.
 */

// Longest message sent to a client; a longer exposed message is cut, so a 10 MB message stays in the log.
const MAX_MESSAGE_LENGTH = 1024

// In a `debug` answer and a span event: stacks a few dozen frames long.
const MAX_DEBUG_STACK = 8192

/** One link of an error's `cause` chain, as logged. */
export interface CauseInfo {
  name: string
  message: string
  stack?: string
}

/** `table[key]` when `table` has it as an own property; an inherited value is never a table entry. */
export function ownEntry<V>(
  table: Readonly<Partial<Record<number, V>>> | undefined,
  key: number,
): V | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined
}

/** An own data property of an object: a descriptor read never runs a getter nor walks the prototype chain. */
export function ownData(object: object, key: string): unknown {
  return Object.getOwnPropertyDescriptor(object, key)?.value
}

/** Cuts a text to `max` characters, ending in `…`; never between the two halves of a surrogate pair. */
export function clip(message: string, max = MAX_MESSAGE_LENGTH): string {
  if (message.length <= max) return message
  let end = max - 1
  const last = message.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return `${message.slice(0, end)}…`
}

// Error.isError (Node 24, recent browsers) is the brand check itself; before it, `Object.prototype.toString`
// says `[object Error]` of a value that is not an Error only when it carries its own `Symbol.toStringTag`.
const nativeIsError = (Error as { isError?: (value: unknown) => boolean }).isError

/**
 * Whether a value is an Error, whatever realm made it (a `vm` context, a test runner's, a worker's), where
 * `instanceof Error` alone says no. Portable: the root entry imports no Node built-in (`util.types`), so it
 * bundles for the browser. Never throws, even for a Proxy.
 */
export function isError(value: unknown): value is Error {
  if (typeof value !== 'object' || value === null) return false
  try {
    if (value instanceof Error) return true
    if (nativeIsError !== undefined) return nativeIsError(value)
    return (
      typeof (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] !== 'string' &&
      Object.prototype.toString.call(value) === '[object Error]'
    )
  } catch {
    return false
  }
}

const objectPrototype = Object.prototype as Record<string, unknown>

/**
 * Reads a property of a foreign value; a getter or Proxy trap that throws reads as `undefined`. Classes
 * may keep a property on their prototype (http-errors keeps `status` and `expose` there), but a value
 * found only on `Object.prototype` was put there by someone else and is not the error's.
 */
export function guardedGet(target: Record<string, unknown>, key: string): unknown {
  try {
    const value = target[key]
    if (value !== undefined && Object.hasOwn(objectPrototype, key) && value === objectPrototype[key]) {
      return Object.hasOwn(target, key) ? value : undefined
    }
    return value
  } catch {
    return undefined
  }
}

/**
 * A hook's result, unless it is a promise (an async hook): then its rejection, if any, is caught, so that it
 * cannot become an unhandled rejection that ends the process, and the hook counts as having given nothing.
 */
export function settled(value: unknown): unknown {
  if (typeof value !== 'object' && typeof value !== 'function') return value
  if (value === null) return value
  try {
    const then = (value as PromiseLike<unknown>).then
    if (typeof then !== 'function') return value
    then.call(value, undefined, ignore)
  } catch {
    // A `then` that throws is as good as no promise.
  }
  return undefined
}

function ignore(): void {}

/**
 * The thrown value and its causes, outermost first, with or without stacks; stops at cycles and after 10 links.
 * `clipped` cuts messages and stacks to what an answer may carry.
 */
export function causeChain(thrown: unknown, stacks = true, clipped = false): CauseInfo[] {
  const chain: CauseInfo[] = []
  const seen = new Set<unknown>()
  let current = thrown
  while (current !== undefined && current !== null && chain.length < 10 && !seen.has(current)) {
    seen.add(current)
    chain.push(clipped ? describeClipped(current, stacks) : describeThrown(current, stacks))
    current = readCause(current)
  }
  return chain
}

export function readCause(value: unknown): unknown {
  if (typeof value !== 'object' && typeof value !== 'function') return undefined
  try {
    return (value as { cause?: unknown }).cause
  } catch {
    return undefined
  }
}

/**
 * {@link describeThrown}, cut to what may leave the process (a `debug` answer, a span event): the message at
 * 1,024 characters, the stack at 8,192. A 5 MB message must not become a 5 MB body or a 10 MB span.
 */
export function describeClipped(value: unknown, stacks: boolean): CauseInfo {
  const info = describeThrown(value, stacks)
  info.message = clip(info.message)
  if (info.stack !== undefined) info.stack = clip(info.stack, MAX_DEBUG_STACK)
  return info
}

/** Name, message and (optionally) stack of a thrown value, read safely. */
export function describeThrown(value: unknown, stacks: boolean): CauseInfo {
  try {
    // An Error from another realm (a `vm` context, a test runner's) is an Error all the same.
    if (isError(value)) {
      const info: CauseInfo = { name: String(value.name), message: String(value.message) }
      if (stacks && typeof value.stack === 'string') info.stack = value.stack
      return info
    }
    return { name: typeof value, message: String(value).slice(0, 1024) }
  } catch {
    return { name: typeof value, message: '(unreadable value)' }
  }
}
