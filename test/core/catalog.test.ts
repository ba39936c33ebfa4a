import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type CatalogEntry, Codes, catalog, defineCodes, describe, entries, SignError } from 'esign-errors'
import { expect, it, describe as suite } from 'vitest'

// Copies of the two shared files the catalog is built from, so that a clone anywhere can run the tests. Each
// is pinned by its SHA-256: a change to the shared file fails the first test below until the copy follows it.
const FIXTURES = [
  {
    // The platform's own page, as saved: every table row is the code glued to its message ("22Wrong password").
    copy: 'platform-page.txt',
    shared: 'shared/seeds/000_e6c081a134adfc6b.txt',
    sha256: 'cde70131bdc8bc825c132e2164477cce89a84c289b91c521dfb4cdd4c0ddd92d',
  },
  {
    // The agreed name, HTTP status, category and retryability of every code.
    copy: 'catalog.tsv',
    shared: 'shared/catalog.tsv',
    sha256: 'c3b28951115f862b40486d7aa49634a6b145bcf3373b25422089e96cda79509d',
  },
] as const

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url))
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const seedPath = fixture('platform-page.txt')

function seedRows(): Map<number, string> {
  const lines = readFileSync(seedPath, 'utf8').split('\n')
  const start = lines.indexOf('Return codeDescription')
  if (start < 0) throw new Error(`no table header in ${seedPath}`)
  const rows = new Map<number, string>()
  for (const line of lines.slice(start + 1)) {
    // Greedy digits, then a non-digit: "108Mobile OTP failed with maximum attempt (5 times)" stays whole.
    const match = /^(\d+)(\D.*)$/.exec(line)
    if (!match) continue
    const code = Number(match[1])
    if (rows.has(code)) throw new Error(`seed lists code ${code} twice`)
    rows.set(code, match[2]!)
  }
  return rows
}

const seed = seedRows()
const CATEGORIES = [
  'validation',
  'auth',
  'system',
  'user',
  'upstream',
  'document',
  'signing',
  'verification',
  'account',
  'template',
  'billing',
  'quota',
  'certificate',
  'ekyc',
]

suite('the fixtures', () => {
  it.each(FIXTURES)('$copy is the pinned copy of $shared', ({ copy, shared, sha256: pinned }) => {
    expect(sha256(fixture(copy))).toBe(pinned)
    // Beside this checkout (or at its usual place on a development machine), the shared file itself.
    const originals = [fileURLToPath(new URL(`../../../${shared}`, import.meta.url)), `/work/${shared}`]
    for (const original of originals.filter((path) => existsSync(path))) {
      expect(sha256(original), original).toBe(pinned)
    }
  })
})

suite('the catalog against the platform page', () => {
  it('reads all 139 rows of the seed, from 1 to 2029', () => {
    expect(seed.size).toBe(139)
    expect(seed.get(1)).toBe(
      'Parameter error, indicating that the number and type of parameters are incorrect',
    )
    expect(seed.get(108)).toBe('Mobile OTP failed with maximum attempt (5 times)')
    expect(seed.get(2029)).toBe('eKYC credit is 0')
    expect(seed.has(32)).toBe(false)
    expect(seed.has(48)).toBe(false)
    expect(seed.has(51)).toBe(false)
  })

  it.each([...seed])('has code %i with the message of the page, byte for byte', (code, message) => {
    const entry = catalog.find((e) => e.code === code)
    expect(entry?.message).toBe(message)
  })

  it('has exactly the codes of the page plus 0 Success', () => {
    expect(catalog).toHaveLength(140)
    expect(catalog.map((e) => e.code)).toEqual([0, ...seed.keys()])
    expect(catalog[0]).toEqual({
      code: 0,
      name: 'Success',
      status: 200,
      category: 'success',
      retryable: false,
      message: 'Success',
    })
  })

  it('keeps the codes in ascending order, with no code and no name twice', () => {
    const codes = catalog.map((e) => e.code)
    expect(codes).toEqual([...codes].sort((a, b) => a - b))
    expect(new Set(codes).size).toBe(140)
    expect(new Set(catalog.map((e) => e.name)).size).toBe(140)
  })
})

function agreedRows(): CatalogEntry[] {
  const [header, ...lines] = readFileSync(fixture('catalog.tsv'), 'utf8').trimEnd().split('\n')
  if (header !== 'code\tname\tstatus\tcategory\tretryable\tmessage') throw new Error(`header: ${header}`)
  return lines.map((line) => {
    const [code, name, status, category, retryable, message, ...rest] = line.split('\t')
    if (rest.length > 0 || message === undefined || (retryable !== 'yes' && retryable !== 'no')) {
      throw new Error(`malformed row: ${line}`)
    }
    return {
      code: Number(code),
      name: name!,
      status: Number(status),
      category: category as CatalogEntry['category'],
      retryable: retryable === 'yes',
      message,
    }
  })
}

const agreed = agreedRows()

suite('the catalog against the agreed table (catalog.tsv)', () => {
  it('lists the same 140 codes in the same order', () => {
    expect(agreed.map((row) => row.code)).toEqual(catalog.map((entry) => entry.code))
  })

  it.each(agreed.map((row) => [row.code, row] as const))(
    'code %i has the agreed name, status, category, retryability and message',
    (code, row) => {
      expect(describe(code)).toEqual(row)
    },
  )
})

suite.each(catalog.map((entry) => [entry.code, entry] as const))('code %i', (code, entry: CatalogEntry) => {
  it('has a PascalCase name that Codes maps back to the code', () => {
    expect(entry.name).toMatch(/^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$/)
    expect((Codes as Record<string, number>)[entry.name]).toBe(code)
  })

  it('is what describe() returns', () => {
    expect(describe(code)).toEqual(entry)
  })

  it('has a status and category that fit', () => {
    if (code === 0) {
      expect([entry.status, entry.category]).toEqual([200, 'success'])
    } else {
      expect(entry.status).toBeGreaterThanOrEqual(400)
      expect(entry.status).toBeLessThanOrEqual(599)
      expect(CATEGORIES).toContain(entry.category)
    }
    expect(typeof entry.retryable).toBe('boolean')
  })
})

suite('pinned entries', () => {
  it('knows a few codes by heart', () => {
    expect(Codes.WrongPassword).toBe(22)
    expect(Codes.Success).toBe(0)
    expect(describe(41).message).toBe('Document does not exist')
    expect(describe(2029).status).toBe(402)
    expect(describe(22)).toEqual({
      code: 22,
      name: 'WrongPassword',
      status: 401,
      category: 'auth',
      retryable: false,
      message: 'Wrong password',
    })
  })

  it('keeps the typographic quotes of the page', () => {
    expect(describe(25).message).toContain('\u2019')
    expect(describe(25).message).toBe('Document page\u2019s image does not exist')
    expect(describe(84).message).toBe('Wrong name, matching characters, letters, numbers, \u201c.-_ @\u201d')
  })

  it('knows nothing of codes the page leaves out', () => {
    expect(describe(32)).toBeUndefined()
    expect(describe(48)).toBeUndefined()
    expect(describe(9999)).toBeUndefined()
    expect(describe(-1)).toBeUndefined()
  })

  it('freezes Codes', () => {
    expect(Object.isFrozen(Codes)).toBe(true)
    expect(Object.keys(Codes)).toHaveLength(140)
  })
})

// defineCodes writes to a registry shared by the whole module: these tests own 51 and 9001-9099.
suite('defineCodes', () => {
  const AppCodes = defineCodes({
    Unauthorized: { code: 51, message: 'Unauthorized', status: 401, category: 'auth' },
    QuotaOnHold: { code: 9001, message: 'Quota on hold', status: 409, retryable: true },
  })

  it('returns Codes extended with the new names', () => {
    expect(AppCodes.Unauthorized).toBe(51)
    expect(AppCodes.QuotaOnHold).toBe(9001)
    expect(AppCodes.WrongPassword).toBe(22)
    expect(Object.keys(AppCodes)).toHaveLength(142)
    expect(Object.isFrozen(AppCodes)).toBe(true)
  })

  it('leaves the built-in Codes alone', () => {
    expect('QuotaOnHold' in Codes).toBe(false)
  })

  it('teaches describe() and entries() the new codes, with defaults filled in', () => {
    expect(describe(9001)).toEqual({
      code: 9001,
      name: 'QuotaOnHold',
      status: 409,
      category: 'custom',
      retryable: true,
      message: 'Quota on hold',
    })
    expect(describe(51)).toEqual({
      code: 51,
      name: 'Unauthorized',
      status: 401,
      category: 'auth',
      retryable: false,
      message: 'Unauthorized',
    })
    expect(
      entries()
        .slice(140)
        .map((e) => e.code),
    ).toEqual([51, 9001])
  })

  it('teaches SignError the new codes', () => {
    const error = new SignError(AppCodes.QuotaOnHold)
    expect([error.status, error.codeName, error.message, error.retryable]).toEqual([
      409,
      'QuotaOnHold',
      'Quota on hold',
      true,
    ])
    expect(new SignError(51).status).toBe(401)
  })

  it('accepts the same definition again as a no-op', () => {
    const again = defineCodes({
      QuotaOnHold: { code: 9001, message: 'Quota on hold', status: 409, retryable: true },
    })
    expect(again.QuotaOnHold).toBe(9001)
    expect(describe(9001)?.message).toBe('Quota on hold')
  })

  it('refuses to change a built-in code', () => {
    expect(() => defineCodes({ MyPassword: { code: 22, message: 'Wrong password', status: 403 } })).toThrow(
      TypeError,
    )
    expect(describe(22).status).toBe(401)
  })

  it('refuses to reuse a built-in name', () => {
    expect(() => defineCodes({ WrongPassword: { code: 9002, message: 'Other', status: 401 } })).toThrow(
      TypeError,
    )
    expect(describe(9002)).toBeUndefined()
  })

  it('refuses to change a custom code it already knows', () => {
    expect(() => defineCodes({ QuotaOnHold: { code: 9001, message: 'Quota held', status: 409 } })).toThrow(
      TypeError,
    )
    expect(() => defineCodes({ QuotaFrozen: { code: 9001, message: 'Quota on hold', status: 409 } })).toThrow(
      TypeError,
    )
    expect(describe(9001)?.name).toBe('QuotaOnHold')
  })

  it.each([399, 600, 200, 401.5, Number.NaN])('refuses status %s', (status) => {
    expect(() => defineCodes({ BadStatus: { code: 9003, message: 'Bad status', status } })).toThrow(TypeError)
    expect(describe(9003)).toBeUndefined()
  })

  it.each([
    ['a name that is not PascalCase', { quota_low: { code: 9004, message: 'Quota low', status: 409 } }],
    ['code 0', { Zero: { code: 0, message: 'Zero', status: 400 } }],
    ['a fractional code', { Fraction: { code: 9004.5, message: 'Fraction', status: 400 } }],
    ['an empty message', { NoMessage: { code: 9005, message: '', status: 400 } }],
  ])('refuses %s', (_, definitions) => {
    expect(() => defineCodes(definitions)).toThrow(TypeError)
  })
})
