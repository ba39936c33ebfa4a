import { describe } from 'vitest'
import { serverChecks } from './runtimes.js'

describe('the packed package on Deno', () => {
  serverChecks('Deno')
})
