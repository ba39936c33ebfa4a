import type { Context } from 'koa'

/**
 * Whether the answer can no longer be given, as Koa tells it (`headerSent`, or not `writable`), save for a HEAD
 * request over HTTP/2: Node ends its stream's writable side when the request comes, since the answer has no
 * body, yet its head has still to go out.
 */
export function tooLate(ctx: Context): boolean {
  if (ctx.headerSent) return true
  if (ctx.writable) return false
  const res = ctx.res as Context['res'] & { stream?: { destroyed?: boolean } }
  const headOnly = ctx.method === 'HEAD' && ctx.req.httpVersionMajor >= 2
  return !(headOnly && !res.writableEnded && !res.destroyed && res.stream?.destroyed !== true)
}
