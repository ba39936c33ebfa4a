/**
 * `npm run test:runtimes`: the packed package on every runtime it claims (test/package/*.runtime.ts), apart
 * from `npm test`, which runs the suite on the current Node. scripts/install-runtimes.sh installs the runtimes.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/package/**/*.runtime.ts'],
    globalSetup: ['test/package/setup.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
})
