/**
 * The README's "Logging and tracing" section shows the lines the examples print: each block is compared,
 * line by line, with what the example writes now, once what changes between runs (time, pid, ports, a
 * stack's frames) is set aside. Nothing of the shown lines is produced by the code under test.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { comparable, LOGGED_EXAMPLES, linesOf } from './helpers/log-examples.js'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const section = readme.slice(readme.indexOf('\n## Logging and tracing\n'), readme.indexOf('\n## Options\n'))

const HEADINGS = {
  express: '### Express with pino-http',
  fastify: '### Fastify',
  koa: '### Koa with koa-pino-logger',
}

function shown(example: (typeof LOGGED_EXAMPLES)[number]): unknown[] {
  const from = section.indexOf(`\n${HEADINGS[example]}\n`)
  expect(from, HEADINGS[example]).toBeGreaterThan(0)
  const block = /```jsonl\n([\s\S]*?)```/.exec(section.slice(from))?.[1]
  if (block === undefined) throw new Error(`no jsonl block under ${HEADINGS[example]}`)
  return block
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown)
}

describe('README, Logging and tracing', () => {
  it.each(LOGGED_EXAMPLES)('%s: the lines shown are the lines printed', async (example) => {
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const lines = await linesOf(example)
      expect(lines.map((line) => comparable(line))).toEqual(shown(example).map((line) => comparable(line)))
      expect(printed).not.toHaveBeenCalled()
    } finally {
      printed.mockRestore()
    }
  })

  it('lists the span attributes the tracing tests check', () => {
    for (const name of [
      '`esign.code`',
      '`esign.code_name`',
      '`error.type`',
      '`ERROR`',
      '`recordExceptions: false`',
    ]) {
      expect(section).toContain(name)
    }
  })
})
