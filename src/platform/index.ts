/**
 * esign-errors/platform: the e-signature platform's own protocol for Node services. Encrypted `data`, its
 * `mac`, the access token, retries, and the platform's callbacks, with every failure a typed SignError.
 *
 * Node only (node:crypto, and node:http or the global fetch). See docs/platform.md.
 *
 * @packageDocumentation
 */

export type { Parse, SafeParser } from '../upstream/answer.js'
export type { CallbackRequest, CallbackUrlOptions, OpenCallbackOptions, OpenedCallback } from './callback.js'
export { callbackUrl, openCallback } from './callback.js'
export type { PlatformClient } from './client.js'
export { createPlatformClient } from './client.js'
export type { OpenEnvelopeOptions } from './envelope.js'
export { decryptData, encryptData, fileHash, macOf, openEnvelope } from './envelope.js'
export type { Answer, ContractDetails, ContractList, ContractSummary, UploadResult } from './flow-answers.js'
export type {
  AuthCodeInput,
  AutomaticSigningInput,
  CallOptions,
  ContractInfo,
  ContractListQuery,
  CoordinatesInput,
  ManualSigningInput,
  PlatformUser,
  SignerInfo,
  SignField,
  SignSet,
  UploadInput,
} from './flow-inputs.js'
export type { PlatformFile, PlatformRequest } from './platform-request.js'
export type { PlatformClientOptions, PlatformRequester } from './requester.js'
export type { PlatformRetryOptions } from './retry-policy.js'
export type { DocumentState, SignerStatus, SigningStatus, SigningStatusOptions } from './signing-status.js'
