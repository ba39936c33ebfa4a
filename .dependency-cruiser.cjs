/**
 * The layering rules ARCHITECTURE.md describes, kept by a tool: imports point down, no circles.
 * Layers, bottom first: http/ -> core/ -> respond/ -> upstream/ -> platform/ -> testing/; the framework
 * adapters, openapi/ and client/ are entries on top of what they need; src/index.ts and cli.ts re-export.
 */
const layer = (name, allowed) => ({
  name: `${name}-imports-down`,
  comment: `${name}/ may import only ${allowed.join(', ') || 'nothing else in src'}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, ...allowed.map((other) => `^src/${other}/`)],
  },
})

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No file imports a file that imports it back, type imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer('http', []),
    layer('core', ['http']),
    layer('respond', ['core', 'http']),
    layer('upstream', ['core', 'http']),
    layer('platform', ['core', 'http', 'upstream']),
    layer('testing', ['core', 'http', 'upstream', 'platform']),
    layer('express', ['core', 'http', 'respond']),
    layer('koa', ['core', 'http', 'respond']),
    layer('fastify', ['core', 'http', 'respond']),
    layer('openapi', ['core', 'http', 'respond']),
    // The browser client: the fallback table and the HTTP rules, nothing that pulls in the catalog.
    {
      name: 'client-stays-small',
      comment: 'client/ imports only core/fallback.ts and http/, so its bundle stays within budget',
      severity: 'error',
      from: { path: '^src/client/' },
      to: {
        path: '^src/',
        pathNot: ['^src/client/', '^src/http/', '^src/core/fallback\\.ts$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'no-node-builtins-in-root-entry-code',
      comment: 'core/, http/, respond/ and client/ bundle for the browser: no Node built-in at module level',
      severity: 'error',
      from: { path: '^src/(core|http|respond|client)/' },
      to: { dependencyTypes: ['core'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
}
