import { nodeChecks } from './node.js'

nodeChecks('Node 22', 22)
