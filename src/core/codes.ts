import type { CatalogEntry } from './catalog.js'
import { catalog } from './catalog.js'
import { validStatus } from './fallback.js'

type Entry = (typeof catalog)[number]

/** Every return code of the catalog, as a union of number literals (0 included). */
export type Code = Entry['code']
/** Every return code that is an error (all of {@link Code} but 0). */
export type ErrorCode = Exclude<Code, 0>
/** Every name of the catalog, as a union of string literals. */
export type CodeName = Entry['name']
/** The catalog entry of a known code, with its literal types. */
export type EntryOf<C extends Code> = Extract<Entry, { code: C }>
/**
 * The name of a code: `NameOf<22>` is `'WrongPassword'`, and a code returned by {@link defineCodes} gives
 * the name it was defined with. Any other number gives `string`: it may be a code defined elsewhere, or
 * `'UnknownCode'`.
 */
export type NameOf<C extends number> = NonNullable<
  (C & { readonly [CODE_NAME]?: NamesByCode[C] })[typeof CODE_NAME]
>

// Indexed accesses rather than a conditional type: TypeScript can then see that the name follows the
// code covariantly, so a SignError<22> is a SignError. A code from defineCodes carries its name on the
// phantom key below, and the intersection keeps it: 'ContractOnHold' & string is 'ContractOnHold'.
type NamesByCode = { readonly [E in Entry as E['code']]: E['name'] } & { readonly [code: number]: string }

// Type-only: no value has this key. It lets a number literal carry the name defineCodes gave it, so
// `new SignError(AppCodes.ContractOnHold).codeName` is typed 'ContractOnHold' rather than string.
declare const CODE_NAME: unique symbol
type DefinedCode<C extends number, N extends string> = C & { readonly [CODE_NAME]?: N }

/** Name -> code, for every entry of the catalog: `Codes.WrongPassword === 22`. */
export type CodesMap = { readonly [E in Entry as E['name']]: E['code'] }

/**
 * Return codes by name, derived from the catalog.
 *
 * @example
 * throw new SignError(Codes.WrongPassword) // 22, answered with 401
 */
export const Codes: CodesMap = Object.freeze(
  Object.fromEntries(catalog.map((entry) => [entry.name, entry.code])),
) as CodesMap

// Codes of the platform are small (0..115, 2001..2029): an array indexed by code is the fastest lookup
// V8 offers, and the error path reads it several times per response. Filled to its full length so V8
// keeps it a flat array rather than a hash table (holes up to 2029 would make it sparse).
const byCode: (CatalogEntry | undefined)[] = new Array(catalog[catalog.length - 1]!.code + 1).fill(undefined)
for (const entry of catalog) byCode[entry.code] = Object.freeze(entry)
// Kept on a global symbol, like SignError's brand, so the ESM and CommonJS builds loaded in one process
// (or two installed copies) share the codes a service defines.
const REGISTRY = Symbol.for('esign-errors.customCodes')
const shared = globalThis as { [REGISTRY]?: Map<number, CatalogEntry> }
shared[REGISTRY] ??= new Map()
const custom: Map<number, CatalogEntry> = shared[REGISTRY]

/** Name of a code nobody defined; its status is always 502, as it can only come from upstream. */
export const UNKNOWN_CODE_NAME = 'UnknownCode'
/** Status of a code nobody defined. */
export const UNKNOWN_CODE_STATUS = 502
/** Message of a code nobody defined. */
export function unknownCodeMessage(code: number): string {
  return `Unknown return code ${code}`
}

/**
 * The catalog entry of a code, or `undefined` for a code nobody defined.
 * Knows the built-in catalog and every code added with {@link defineCodes}.
 *
 * @example
 * describe(22) // { code: 22, name: 'WrongPassword', status: 401, category: 'auth', ... }
 */
export function describe<C extends Code>(code: C): EntryOf<C>
export function describe(code: number): CatalogEntry | undefined
export function describe(code: number): CatalogEntry | undefined {
  // Bounds first: past the array, an index would be looked up on the prototype chain.
  const known = code >= 0 && code < byCode.length ? byCode[code] : undefined
  return known ?? (custom.size === 0 ? undefined : custom.get(code))
}

/** Every entry: the built-in catalog in code order, then custom codes in the order they were defined. */
export function entries(): CatalogEntry[] {
  return [...catalog, ...custom.values()]
}

/** The definition of one code added by a service: everything a catalog entry has but its name. */
export interface CodeDefinition {
  readonly code: number
  readonly message: string
  /** HTTP status, 400-599. */
  readonly status: number
  /** Defaults to `'custom'`. */
  readonly category?: CatalogEntry['category']
  /** Defaults to `false`. */
  readonly retryable?: boolean
}

const NAME = /^[A-Z][A-Za-z0-9]*$/

/**
 * Adds codes the catalog does not have (the platform's 48 and 51, or a service's own range) and
 * returns `Codes` extended with them, typed. Every part of the library knows them from then on:
 * `SignError`, `describe`, the error handlers and the upstream helpers.
 *
 * Defining the same code again with the same definition is a no-op (module reloads are harmless);
 * anything that would change an existing code or name throws a `TypeError`.
 *
 * @example
 * export const AppCodes = defineCodes({
 *   Unauthorized: { code: 51, message: 'Unauthorized', status: 401, category: 'auth' },
 *   QuotaOnHold: { code: 9001, message: 'Quota on hold', status: 409 },
 * })
 * throw new SignError(AppCodes.QuotaOnHold)
 */
export function defineCodes<const T extends Record<string, CodeDefinition>>(
  definitions: T,
): CodesMap & { readonly [K in keyof T]: DefinedCode<T[K]['code'], K & string> } {
  const added: CatalogEntry[] = []
  for (const [name, def] of Object.entries(definitions)) {
    const entry: CatalogEntry = Object.freeze({
      code: def.code,
      name,
      status: def.status,
      category: def.category ?? 'custom',
      retryable: def.retryable ?? false,
      message: def.message,
    })
    check(entry)
    const twin = added.find((other) => other.code === entry.code)
    if (twin) throw new TypeError(`defineCodes: ${name} and ${twin.name} both claim code ${entry.code}`)
    added.push(entry)
  }
  for (const entry of added) custom.set(entry.code, entry)
  const codes: Record<string, number> = { ...Codes }
  for (const entry of custom.values()) codes[entry.name] = entry.code
  return Object.freeze(codes) as CodesMap & { readonly [K in keyof T]: DefinedCode<T[K]['code'], K & string> }
}

function check(entry: CatalogEntry): void {
  const { code, name, status, message } = entry
  const where = `defineCodes: ${name}`
  if (!NAME.test(name)) throw new TypeError(`${where}: a name must be PascalCase ASCII`)
  if (!Number.isSafeInteger(code) || code <= 0)
    throw new TypeError(`${where}: code must be a positive integer`)
  if (validStatus(status) === undefined) {
    throw new TypeError(`${where}: status must be an integer from 400 to 599`)
  }
  if (typeof message !== 'string' || message === '')
    throw new TypeError(`${where}: message must be a non-empty string`)
  if (typeof entry.retryable !== 'boolean') throw new TypeError(`${where}: retryable must be a boolean`)
  if (typeof entry.category !== 'string') throw new TypeError(`${where}: category must be a string`)
  if (name === UNKNOWN_CODE_NAME) {
    throw new TypeError(`${where}: ${UNKNOWN_CODE_NAME} is reserved for codes nobody defined`)
  }
  const existing = describe(code)
  if (existing) {
    const builtIn = code < byCode.length && byCode[code] !== undefined
    const differs = (['name', 'status', 'message', 'category', 'retryable'] as const).filter(
      (key) => existing[key] !== entry[key],
    )
    if (builtIn || differs.length > 0) {
      const what = builtIn
        ? 'a built-in code'
        : `defined with another ${differs.map((key) => `${key} (${JSON.stringify(existing[key])})`).join(', ')}`
      throw new TypeError(`${where}: code ${code} is already ${existing.name}, ${what}`)
    }
  }
  for (const other of entries()) {
    if (other.name === name && other.code !== code)
      throw new TypeError(`${where}: name already used by code ${other.code}`)
  }
}
