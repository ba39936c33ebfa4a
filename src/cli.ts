#!/usr/bin/env node
// `esign-errors 22`: looks up return codes from a terminal, for whoever reads a log line or a ticket.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { catalogTable } from './core/markdown.js'
import type { CatalogEntry } from './index.js'
import { catalog, describe } from './index.js'

const USAGE = `Usage: esign-errors <code | name> [--json]
       esign-errors --status <http status> [--json]
       esign-errors --search <text> [--json]
       esign-errors --markdown

Looks up the return codes of the e-signature platform.

  <code | name>      one code, by number (22) or by name (WrongPassword, any case)
  --status <status>  every code answered with that HTTP status
  --search <text>    every code whose name or message contains the text, any case
  --json             print JSON instead of text
  --markdown         print the whole catalog as a Markdown table
  --help             print this help
  --version          print the version of esign-errors
`

const OPTIONS = {
  status: { type: 'string' },
  search: { type: 'string' },
  json: { type: 'boolean' },
  markdown: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const

/** Thrown for input the CLI cannot answer; its message goes to stderr and the exit code is 1. */
class UsageError extends Error {}

/** The arguments, checked here rather than by parseArgs, whose own messages speak of its internals. */
function parse(argv: string[]) {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: OPTIONS,
  })
  for (const token of tokens) {
    if (token.kind !== 'option') continue
    const option = Object.hasOwn(OPTIONS, token.name)
      ? OPTIONS[token.name as keyof typeof OPTIONS]
      : undefined
    if (option === undefined) throw new UsageError(`unknown option ${token.rawName}`)
    if (option.type === 'string' && typeof token.value !== 'string') {
      throw new UsageError(`${token.rawName} takes a value`)
    }
    if (option.type === 'boolean' && token.value !== undefined) {
      throw new UsageError(`${token.rawName} takes no value`)
    }
  }
  return {
    values: values as {
      [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean
    },
    positionals,
  }
}

/** The package's version, read from the package.json beside `src/` and `dist/` alike. */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return manifest.version
}

function main(argv: string[]): void {
  const { values, positionals } = parse(argv)
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  if (values.version) {
    process.stdout.write(`${version()}\n`)
    return
  }
  const filtered = values.status !== undefined || values.search !== undefined
  if (values.markdown) {
    if (filtered || positionals.length > 0 || values.json) {
      throw new UsageError('--markdown takes no other argument')
    }
    process.stdout.write(`${catalogTable()}\n`)
    return
  }
  if (positionals.length > 1) throw new UsageError('give one code or name at a time')
  const [query] = positionals
  if (query !== undefined) {
    if (filtered) throw new UsageError('give either a code or name, or --status/--search')
    print(lookup(query), values.json)
    return
  }
  if (!filtered) throw new UsageError('give a code, a name, --status or --search')
  print(filter(values.status, values.search), values.json)
}

function lookup(query: string): CatalogEntry {
  if (/^\d+$/.test(query)) {
    const entry = describe(Number(query))
    if (!entry) throw new UsageError(`${query} is not a code of the catalog`)
    return entry
  }
  const name = query.toLowerCase()
  const entry = catalog.find((e) => e.name.toLowerCase() === name)
  if (!entry) throw new UsageError(`no code is named "${query}"`)
  return entry
}

function filter(status: string | undefined, search: string | undefined): CatalogEntry[] {
  if (status !== undefined && !/^\d{3}$/.test(status)) {
    throw new UsageError(`--status takes an HTTP status such as 401, got "${status}"`)
  }
  const text = search?.toLowerCase()
  const found = catalog.filter(
    (e) =>
      (status === undefined || e.status === Number(status)) &&
      (text === undefined || e.name.toLowerCase().includes(text) || e.message.toLowerCase().includes(text)),
  )
  if (found.length === 0) {
    const what = [status && `status ${status}`, search !== undefined && `"${search}"`]
    throw new UsageError(`no code matches ${what.filter(Boolean).join(' and ')}`)
  }
  return found
}

function print(result: CatalogEntry | CatalogEntry[], json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  } else if (Array.isArray(result)) {
    const width = Math.max(...result.map((e) => e.name.length))
    const lines = result.map(
      (e) => `${String(e.code).padStart(4)}  ${e.status}  ${e.name.padEnd(width)}  ${e.message}`,
    )
    process.stdout.write(`${lines.join('\n')}\n`)
  } else {
    process.stdout.write(
      `code:      ${result.code}
name:      ${result.name}
status:    ${result.status}
category:  ${result.category}
retryable: ${result.retryable ? 'yes' : 'no'}
message:   ${result.message}
`,
    )
  }
}

try {
  main(process.argv.slice(2))
} catch (error) {
  if (!(error instanceof UsageError)) throw error
  process.stderr.write(`esign-errors: ${error.message}\nRun "esign-errors --help" for usage.\n`)
  process.exitCode = 1
}
