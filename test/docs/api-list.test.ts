import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { catalogTable, codesDocument } from '../../src/core/markdown.js'

const docPath = fileURLToPath(new URL('../../docs/codes.md', import.meta.url))

describe('docs/codes.md', () => {
  it('matches the catalog', () => {
    const onDisk = readFileSync(docPath, 'utf8')
    expect(onDisk, 'docs/codes.md is out of date with src/catalog.ts: run `npm run docs`').toBe(
      codesDocument(),
    )
  })

  it('has one row per code, under a header', () => {
    const lines = codesDocument().split('\n')
    expect(lines[0]).toBe('# Return codes')
    const rows = lines.filter((line) => line.startsWith('| '))
    expect(rows).toHaveLength(142)
    expect(rows[0]).toBe('| Code | Name | HTTP status | Message | Category | Retryable |')
    expect(rows).toContain('| 0 | Success | 200 | Success | success | no |')
    expect(rows).toContain('| 22 | WrongPassword | 401 | Wrong password | auth | no |')
    expect(rows).toContain('| 89 | SystemBusy | 503 | The system is busy | system | yes |')
    expect(rows.at(-1)).toBe('| 2029 | InsufficientEkycCredit | 402 | eKYC credit is 0 | billing | no |')
  })

  it('escapes what would break a table cell', () => {
    const table = catalogTable([
      {
        code: 9001,
        name: 'Piped',
        status: 400,
        category: 'custom',
        retryable: true,
        message: 'a | b \\| c\nd',
      },
    ])
    expect(table.split('\n')[2]).toBe('| 9001 | Piped | 400 | a \\| b \\\\\\| c d | custom | yes |')
  })
})

/** Every name an entry's source exports, values and types alike, read from its export statements. */
function exportedNames(file: string): string[] {
  const source = readFileSync(fileURLToPath(new URL(`../../src/${file}`, import.meta.url)), 'utf8')
  const names = new Set<string>()
  for (const [, list] of source.matchAll(/export (?:type )?\{([^}]*)\}/g)) {
    for (const item of list!.split(',')) {
      const name = item
        .trim()
        .split(/\s+as\s+/)
        .at(-1)
      if (name) names.add(name)
    }
  }
  for (const [, name] of source.matchAll(
    /^export (?:declare )?(?:async )?(?:function|const|let|class|interface|type) ([A-Za-z_$][\w$]*)/gm,
  )) {
    names.add(name!)
  }
  return [...names].sort()
}

/** The names docs/api.md lists under an entry's heading. */
function documentedNames(entry: string): string[] {
  const section = readFileSync(fileURLToPath(new URL('../../docs/api.md', import.meta.url)), 'utf8')
  const start = section.indexOf(`**\`${entry}\`**`)
  expect(start, `docs/api.md has no ${entry}`).toBeGreaterThan(-1)
  const end = section.indexOf('\n\n', start)
  const names = new Set<string>()
  for (const [, code] of section.slice(start, end).matchAll(/`([^`]+)`/g)) {
    const name = /^([A-Za-z_$][\w$]*)/.exec(code!)?.[1]
    if (name && name !== entry.split('/')[0]) names.add(name)
  }
  names.delete('esign')
  return [...names].sort()
}

describe('docs/api.md', () => {
  it.each([
    ['esign-errors', 'index.ts'],
    ['esign-errors/express', 'express/index.ts'],
    ['esign-errors/koa', 'koa/index.ts'],
    ['esign-errors/fastify', 'fastify/index.ts'],
    ['esign-errors/upstream', 'upstream/index.ts'],
    ['esign-errors/openapi', 'openapi/index.ts'],
    ['esign-errors/platform', 'platform/index.ts'],
    ['esign-errors/client', 'client/index.ts'],
    ['esign-errors/testing', 'testing/index.ts'],
  ])('lists exactly what %s exports', (entry, file) => {
    expect(documentedNames(entry)).toEqual(exportedNames(file))
  })
})
