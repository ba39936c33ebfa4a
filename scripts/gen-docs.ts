// Writes docs/codes.md from the catalog; test/docs.test.ts fails when the file falls behind.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { codesDocument } from '../src/core/markdown.js'

const target = fileURLToPath(new URL('../docs/codes.md', import.meta.url))
writeFileSync(target, codesDocument())
console.log(`wrote ${target}`)
