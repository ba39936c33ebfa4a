/**
 * esign-errors/platform: the e-signature platform's own protocol for Node services. Encrypted `data`, its
 * `mac`, the access token, retries, and the platform's callbacks, with every failure a typed SignError.
 *
 * Node only (node:crypto and the global fetch). See docs/platform.md.
 *
 * @packageDocumentation
 */

export type { Parse, SafeParser } from '../upstream/answer.js'
export type { CallbackRequest, CallbackUrlOptions, OpenCallbackOptions, OpenedCallback } from './callback.js'
export { callbackUrl, openCallback } from './callback.js'
export type {
  PlatformClientOptions,
  PlatformFile,
  PlatformRequest,
  PlatformRequester,
  PlatformRetryOptions,
} from './client.js'
export { createPlatformClient } from './client.js'
export type { OpenEnvelopeOptions } from './envelope.js'
export { decryptData, encryptData, fileHash, macOf, openEnvelope } from './envelope.js'
export type {
  Answer,
  AuthCodeInput,
  AutomaticSigningInput,
  CallOptions,
  ContractDetails,
  ContractInfo,
  ContractList,
  ContractListQuery,
  ContractSummary,
  CoordinatesInput,
  DocumentState,
  ManualSigningInput,
  PlatformClient,
  PlatformUser,
  SignerInfo,
  SignerStatus,
  SignField,
  SigningStatus,
  SigningStatusOptions,
  SignSet,
  UploadInput,
  UploadResult,
} from './methods.js'
