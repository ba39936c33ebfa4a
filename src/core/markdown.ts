import type { CatalogEntry } from './catalog.js'
import { catalog } from './catalog.js'

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

${routingAnswers()}
`
}

/**
 * What the adapters answer when no route takes a request: code 7 at 404, 405 and 501. Each item starts with
 * its status and message, which test/method-not-allowed.test.ts compares with real answers.
 */
function routingAnswers(): string {
  return `## Code 7 when no route takes the request

The adapters answer a request that no route takes with code 7 (InvalidRequestType), in the same body as any
other error:

- **404** \`Not Found\`: no route takes the path (\`notFound()\` of each adapter).
- **405** \`Method Not Allowed\`, with an \`Allow\` header listing the methods the path takes (\`GET, HEAD\`):
  routes take the path, under other methods. Express's \`notFound()\` and Fastify's not-found handler find
  them among the app's routes; on Koa, \`allowedMethods(router)\` takes them from @koa/router.
- **501** \`Invalid request type\`: a method @koa/router does not implement (Koa's \`allowedMethods(router)\`),
  with \`Allow\` when the path takes other methods.

Any other error that carries only the status 404, 405 or 501 (\`createError(405)\`) is code 7 as well: the
fallback code of those statuses.`
}

// A backslash is escaped first so that an escaped pipe cannot be undone by the text before it.
function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('\n', ' ')
}
