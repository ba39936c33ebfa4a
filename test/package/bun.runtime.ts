import { describe } from 'vitest'
import { serverChecks } from './runtimes.js'

describe('the packed package on Bun', () => {
  serverChecks('Bun')
})
