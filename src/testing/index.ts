/**
 * esign-errors/testing: a fake of the e-signature platform for your own tests. It speaks the real protocol
 * (token, encrypted `data`, `mac`) under `/signserver/v1/`, answers only the fields the vendor's material
 * shows, calls back your `callUrl` when a document is signed, and takes faults to inject. Node built-ins
 * only; see docs/testing.md.
 *
 * @packageDocumentation
 */

export type { CallbackFormat, SentCallback } from './callbacks.js'
export type { ContractState, DocumentSeed, FakeDocument, FakeSigner, SignState } from './documents.js'
export type { Fault, Injection } from './faults.js'
export type { Transport } from './protocol.js'
export type { FakePlatform, FakePlatformOptions, ReceivedCall } from './server.js'
export { startFakePlatform } from './server.js'
