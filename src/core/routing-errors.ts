/** The answer every adapter gives a known path asked with a method none of its routes takes. */
import { SignError, withoutStack } from './sign-error.js'

// Scanners and typos make a few hundred distinct unknown paths; past this bound the oldest is forgotten, so a
// client varying its path costs the routes' full look-up again, never memory. A path longer than this is not
// remembered at all: a thousand of them could hold megabytes.
const MAX_PATHS = 1000
const MAX_REMEMBERED_PATH = 1024

/** Keeps what an adapter's routes make of `path` in `memo`, within the bounds above, the oldest path first out. */
export function rememberPath<V>(memo: Map<string, V>, path: string, value: V): void {
  if (path.length > MAX_REMEMBERED_PATH) return
  if (memo.size >= MAX_PATHS) memo.delete(memo.keys().next().value as string)
  memo.set(path, value)
}

/**
 * The `Allow` value for these methods: upper case, each once, sorted, joined by `, `, as Express's own
 * answer to OPTIONS writes it, so the three adapters list a path's methods alike.
 */
export function allowValue(methods: Iterable<string>): string {
  const unique = new Set<string>()
  for (const method of methods) {
    const name = method.trim().toUpperCase()
    if (name !== '') unique.add(name)
  }
  return [...unique].sort().join(', ')
}

/**
 * 405, code 7 (InvalidRequestType), message `Method Not Allowed` (the body of `createError(405)`), with the
 * `Allow` header RFC 9110 requires on a 405: the methods the path does take.
 */
export function methodNotAllowedError(methods: Iterable<string>): SignError<7> {
  const headers = { Allow: allowValue(methods) }
  // Without a stack, as notFoundError(): its frames would be the router's, never the app's.
  return withoutStack(() => new SignError(7, { status: 405, message: 'Method Not Allowed', headers }))
}

/** 501, code 7, for a method the router does not implement at all; `Allow` when the path takes others. */
export function notImplementedError(methods: Iterable<string>): SignError<7> {
  const allow = allowValue(methods)
  return new SignError(7, allow === '' ? { status: 501 } : { status: 501, headers: { Allow: allow } })
}
