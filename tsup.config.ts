import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    express: 'src/express/index.ts',
    koa: 'src/koa/index.ts',
    fastify: 'src/fastify/index.ts',
    openapi: 'src/openapi/index.ts',
    upstream: 'src/upstream/index.ts',
    platform: 'src/platform/index.ts',
    client: 'src/client/index.ts',
    testing: 'src/testing/index.ts',
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: false,
  target: 'node20',
  splitting: true,
  treeshake: true,
})
