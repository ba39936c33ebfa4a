import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { catalogTable, codesDocument } from '../src/markdown.js'

const docPath = fileURLToPath(new URL('../docs/codes.md', import.meta.url))

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
