import { clip, guardedGet as get } from '../core/foreign.js'

interface ZodIssueLike {
  path?: unknown
  message?: unknown
  code?: unknown
}

/** A validation issue sent as `details`: where, what, and the validator's own name for it. */
export type Issue = { path: (string | number)[]; message: string; code: string }

interface AjvErrorLike {
  instancePath?: unknown
  keyword?: unknown
  message?: unknown
  params?: { missingProperty?: unknown; additionalProperty?: unknown } | null
}

/**
 * The issues of a Fastify schema validation error (Ajv's errors), in the shape of Zod's: `path` starts with
 * where the value was (`body`, `querystring`, `params`, `headers`) and ends with the name of a missing or
 * unexpected property. An entry that cannot be read counts as one unnamed issue.
 */
export function validationIssuesOf(error: Record<string, unknown>): Issue[] | undefined {
  const validation = get(error, 'validation')
  if (!Array.isArray(validation)) return undefined
  const context = get(error, 'validationContext')
  const base: (string | number)[] = typeof context === 'string' ? [context] : []
  return eachIssue(
    validation,
    (item: AjvErrorLike): Issue => {
      const path = [...base]
      const pointer = item?.instancePath
      if (typeof pointer === 'string') {
        for (const part of pointer.split('/').slice(1)) {
          const key = part.replaceAll('~1', '/').replaceAll('~0', '~')
          path.push(/^(?:0|[1-9]\d{0,8})$/.test(key) ? Number(key) : key)
        }
      }
      const keyword = item?.keyword
      const named =
        keyword === 'required'
          ? item?.params?.missingProperty
          : keyword === 'additionalProperties'
            ? item?.params?.additionalProperty
            : undefined
      if (typeof named === 'string') path.push(named)
      const message = item?.message
      return {
        path,
        message: typeof message === 'string' ? clip(message) : 'Invalid value',
        code: typeof keyword === 'string' ? keyword : 'custom',
      }
    },
    base,
  )
}

/** Zod 3 and 4 errors, recognised by shape so zod is never imported. */
export function zodIssuesOf(error: Record<string, unknown>): Issue[] | undefined {
  if (get(error, 'name') !== 'ZodError') return undefined
  const issues = get(error, 'issues')
  if (!Array.isArray(issues)) return undefined
  return eachIssue(
    issues,
    (issue: ZodIssueLike): Issue => {
      const path = issue?.path
      const message = issue?.message
      const code = issue?.code
      return {
        path: Array.isArray(path)
          ? path.filter(
              (part): part is string | number => typeof part === 'string' || typeof part === 'number',
            )
          : [],
        message: typeof message === 'string' ? clip(message) : 'Invalid value',
        code: typeof code === 'string' ? code : 'custom',
      }
    },
    [],
  )
}

/**
 * The first 100 issues of a validator's list, each read on its own: one that cannot be read (an element or
 * a property whose getter throws) becomes an unnamed issue at `base` instead of failing the whole answer.
 */
function eachIssue<T>(
  list: readonly unknown[],
  read: (item: T) => Issue,
  base: (string | number)[],
): Issue[] {
  const issues: Issue[] = []
  const count = Math.min(list.length, 100)
  for (let index = 0; index < count; index++) {
    try {
      issues.push(read(list[index] as T))
    } catch {
      issues.push({ path: [...base], message: 'Invalid value', code: 'custom' })
    }
  }
  return issues
}
