import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests and examples import the package by its published name; resolve it to the sources.
    alias: [
      { find: /^esign-errors$/, replacement: src('index.ts') },
      { find: /^esign-errors\/express$/, replacement: src('express/index.ts') },
      { find: /^esign-errors\/koa$/, replacement: src('koa/index.ts') },
      { find: /^esign-errors\/fastify$/, replacement: src('fastify/index.ts') },
      { find: /^esign-errors\/openapi$/, replacement: src('openapi/index.ts') },
      { find: /^esign-errors\/upstream$/, replacement: src('upstream/index.ts') },
      { find: /^esign-errors\/platform$/, replacement: src('platform/index.ts') },
      { find: /^esign-errors\/client$/, replacement: src('client/index.ts') },
      { find: /^esign-errors\/testing$/, replacement: src('testing/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
})
