// Prints the catalog as a table; the fallback main job until a demo server exists.
import { entries } from 'esign-errors'

for (const e of entries()) {
  console.log(`${String(e.code).padStart(4)}  ${String(e.status)}  ${e.name.padEnd(32)} ${e.message}`)
}
