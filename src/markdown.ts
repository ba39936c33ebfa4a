import { catalog } from './catalog.js'
import type { CatalogEntry } from './types.js'

/** The return codes as a Markdown table: code, name, HTTP status, message, category, retryable. */
export function catalogTable(entries: readonly CatalogEntry[] = catalog): string {
  const rows = entries.map(
    (e) =>
      `| ${e.code} | ${e.name} | ${e.status} | ${cell(e.message)} | ${e.category} | ${e.retryable ? 'yes' : 'no'} |`,
  )
  return [
    '| Code | Name | HTTP status | Message | Category | Retryable |',
    '| ---: | --- | ---: | --- | --- | --- |',
    ...rows,
  ].join('\n')
}

/** The whole text of `docs/codes.md`, written by `npm run docs` and checked by the tests. */
export function codesDocument(): string {
  return `# Return codes

Every return code of the e-signature platform that \`esign-errors\` knows, with the HTTP status a service
answers with. Messages are the platform's own. The same table is in the package itself: \`describe(code)\`,
\`entries()\`, and \`npx esign-errors --markdown\` prints this table.

${catalogTable()}
`
}

// A backslash is escaped first so that an escaped pipe cannot be undone by the text before it.
function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('\n', ' ')
}
