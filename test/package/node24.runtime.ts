import { nodeChecks } from './node.js'

nodeChecks('Node 24', 24)
