/**
 * docs/testing.md's route and its vitest test, run as written: both blocks go to .tmp, and importing the
 * test block here registers its tests in this file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const dir = `${root}.tmp/testing-doc/`
const doc = readFileSync(`${root}docs/testing.md`, 'utf8')
const found = new Map<string, string>()
for (const [, code] of doc.matchAll(/```ts\n([\s\S]*?)```/g)) {
  const name = /^\/\/ ([\w.-]+\.ts)/.exec(code!)?.[1]
  if (name) found.set(name, code!)
}
if (!found.has('app.ts') || !found.has('app.test.ts')) {
  throw new Error('docs/testing.md has lost its app.ts or app.test.ts block')
}
mkdirSync(dir, { recursive: true })
for (const [name, code] of found) writeFileSync(`${dir}${name}`, code)
await import(/* @vite-ignore */ `${dir}app.test.ts`)
