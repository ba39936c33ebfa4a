/** The platform's signing flow, typed, on the requester: `createPlatformClient`. */
import {
  type Answer,
  type ContractDetails,
  type ContractList,
  optionalRecord,
  PDFDATA,
  pdfdata,
  record,
  type UploadResult,
  withString,
} from './flow-answers.js'
import {
  type AuthCodeInput,
  type AutomaticSigningInput,
  type CallOptions,
  type ContractListQuery,
  type CoordinatesInput,
  checkSignset,
  defined,
  limits,
  type ManualSigningInput,
  need,
  type PlatformUser,
  type UploadInput,
} from './flow-inputs.js'
import { createRequester, type PlatformClientOptions, type PlatformRequester } from './requester.js'
import { type SigningStatus, type SigningStatusOptions, signingStatus } from './signing-status.js'

/** The signing flow, typed, on top of {@link PlatformRequester.request}. */
export interface PlatformClient extends PlatformRequester {
  /** Uploads a document for signing (`POST contract/file`, multipart, `uploadFileHash` computed). */
  uploadDocument(input: UploadInput): Promise<UploadResult>
  /** Lists documents (`GET contract/list`), by default all of them (`contractState` -1) with their signers. */
  listContracts(query?: ContractListQuery): Promise<ContractList>
  /**
   * Where a document stands (`GET contract/list`, `rDetail` 2): the `contractState` filter that lists it,
   * asked in the order 1, 6, 7, 21, 20, 4 and paged 50 at a time, and its signers' `signstate`. Costs one
   * call per page read: see docs/protocol.md. Confirm a callback with it before acting.
   */
  signingStatus(contractnum: string, options?: SigningStatusOptions): Promise<SigningStatus>
  /** One document's details (`GET contract/details`); `previewurl` is the only field any source shows. */
  contractDetails(contractnum: string, options?: CallOptions): Promise<ContractDetails>
  /**
   * A document's bytes (`GET contract/file`), with the certificate of completion when asked (what form that
   * takes, a zip as a third party reads it or a PDF as the vendor's Postman comment names it, is not settled).
   */
  downloadContract(
    contractnum: string,
    options?: CallOptions & { certificate?: boolean | undefined },
  ): Promise<Uint8Array>
  /** A document as a zip (`GET contract/zipfile`, its `pdfdata`), bytes. */
  downloadZip(contractnum: string, options?: CallOptions): Promise<Uint8Array>
  /** Deletes a document (`DELETE contract/list`); not retried, as a repeated delete would fail. */
  deleteContract(contractnum: string, options?: CallOptions): Promise<unknown>
  /** The signing page for one signer (`POST contract/signature/manual`). */
  manualSigningUrl(input: ManualSigningInput): Promise<Answer<{ url: string }>>
  /**
   * Signs for a signer whose key is held by the platform (`POST contract/signature/auto`, or
   * `/automatic` with `endpoint: 'automatic'`). Not retried.
   */
  signAutomatically(input: AutomaticSigningInput): Promise<Answer<object> | undefined>
  /** Places each signer's fields on a document (`POST contract/coordinate`). */
  setCoordinates(input: CoordinatesInput): Promise<Answer<object> | undefined>
  /**
   * Sends a signer the code that automatic signing with 2FA takes as `signerInfo.verifycode`
   * (`POST contract/authcode`). Never retried: a second try would send a second code.
   */
  sendAuthCode(input: AuthCodeInput): Promise<Answer<object> | undefined>
  /** Verifies the signatures of a signed file (`POST contract/signature/verify`, `verifyFileHash`). */
  verifySignedFile(file: Uint8Array, options?: CallOptions & { filename?: string }): Promise<unknown>
  /** Registers users (`POST account/addusers`). */
  addUsers(users: PlatformUser[], options?: CallOptions): Promise<unknown>
  /** Looks users up (`POST account/queryusers`), `q` sent as an object like the vendor's collection. */
  queryUsers(q: Answer<{ email: string; roletype?: string }>, options?: CallOptions): Promise<Answer<object>>
  /** The account (`GET account/infomation`, the platform's spelling), a call without payload. */
  accountInformation(options?: CallOptions): Promise<Answer<object>>
}

/** Adds the signing-flow methods to a requester. */
function withSigningFlow(requester: PlatformRequester): PlatformClient {
  const { request } = requester

  /** One `contract/list` call; a result 0 without `data` reads as an empty page. */
  async function list(payload: Record<string, unknown>, options: CallOptions): Promise<ContractList> {
    return await request({
      method: 'GET',
      path: 'contract/list',
      payload,
      ...limits(options),
      parse: (value) => {
        if (value === undefined) return { contractList: [] }
        const answer = record(value)
        const entries = answer.contractList ?? []
        if (!Array.isArray(entries)) throw new Error('contractList is not an array')
        return { ...answer, contractList: entries } as ContractList
      },
    })
  }

  return {
    request,

    async uploadDocument({ file, type, contractInfo, filename, ...options }) {
      need('uploadDocument', 'type', type)
      if (
        typeof contractInfo !== 'object' ||
        contractInfo === null ||
        !Array.isArray(contractInfo.signerinfo)
      ) {
        throw new TypeError('uploadDocument: contractInfo needs a signerinfo array')
      }
      contractInfo.signerinfo.forEach((signer, index) => {
        if (signer?.signset !== undefined) checkSignset('uploadDocument', index, signer.signset)
      })
      const info = { contractnum: '', signernum: contractInfo.signerinfo.length, ...contractInfo }
      return await request({
        method: 'POST',
        path: 'contract/file',
        payload: { type, contractInfo: info },
        file: { field: 'uploadFile', content: file, filename: filename ?? `document.${type}` },
        ...limits(options),
        parse: withString('contractnum'),
      })
    },

    async listContracts(query = {}) {
      const { startIndex = 0, pageSize = 50, rDetail = 2, contractState = -1, date = '' } = query
      // Every vendor sample sends contractState, and all but Java's rDetail 2 (docs/protocol.md).
      return await list({ startIndex, pageSize, rDetail, contractState, date }, query)
    },

    async signingStatus(contractnum, options) {
      return await signingStatus(list, contractnum, options)
    },

    async contractDetails(contractnum, options) {
      need('contractDetails', 'contractnum', contractnum)
      return await request({
        method: 'GET',
        path: 'contract/details',
        payload: { contractnum },
        ...limits(options),
        parse: (value) => {
          const answer = record(value)
          record(answer.contractDetails, 'contractDetails')
          return answer as ContractDetails
        },
      })
    },

    async downloadContract(contractnum, options) {
      need('downloadContract', 'contractnum', contractnum)
      const payload: Record<string, unknown> = { contractnum }
      if (options?.certificate !== undefined) payload.isReqCertOfCompletion = options.certificate
      return await request({
        method: 'GET',
        path: 'contract/file',
        payload,
        ...limits(options),
        hexFields: PDFDATA,
        parse: pdfdata,
      })
    },

    async downloadZip(contractnum, options) {
      need('downloadZip', 'contractnum', contractnum)
      return await request({
        method: 'GET',
        path: 'contract/zipfile',
        payload: { contractnum },
        ...limits(options),
        hexFields: PDFDATA,
        parse: pdfdata,
      })
    },

    async deleteContract(contractnum, options) {
      need('deleteContract', 'contractnum', contractnum)
      return await request({
        method: 'DELETE',
        path: 'contract/list',
        payload: { contractnum },
        ...limits(options),
      })
    },

    async manualSigningUrl({ contractnum, signerInfo, callUrl, backUrl, ...options }) {
      need('manualSigningUrl', 'contractnum', contractnum)
      need('manualSigningUrl', 'signerInfo.email', signerInfo?.email)
      return await request({
        method: 'POST',
        path: 'contract/signature/manual',
        payload: defined({ contractnum, signerInfo, callUrl, backUrl }),
        ...limits(options),
        parse: withString('url'),
      })
    },

    async signAutomatically({ contractnum, signerInfo, callUrl, endpoint = 'auto', ...options }) {
      need('signAutomatically', 'contractnum', contractnum)
      need('signAutomatically', 'signerInfo.email', signerInfo?.email)
      if (endpoint !== 'auto' && endpoint !== 'automatic') {
        throw new TypeError("signAutomatically: endpoint must be 'auto' or 'automatic'")
      }
      return await request({
        method: 'POST',
        path: `contract/signature/${endpoint}`,
        payload: defined({ contractnum, signerInfo, callUrl }),
        ...limits(options),
        parse: optionalRecord,
      })
    },

    async setCoordinates({ contractnum, signerinfo, ...options }) {
      need('setCoordinates', 'contractnum', contractnum)
      if (!Array.isArray(signerinfo) || signerinfo.length === 0) {
        throw new TypeError('setCoordinates: signerinfo must be a non-empty array')
      }
      signerinfo.forEach((signer, index) => {
        need('setCoordinates', `signerinfo[${index}].email`, signer?.email)
        checkSignset('setCoordinates', index, signer.signset)
      })
      return await request({
        method: 'POST',
        path: 'contract/coordinate',
        payload: { contractInfo: { contractnum, signerinfo } },
        ...limits(options),
        parse: optionalRecord,
      })
    },

    async sendAuthCode({ contractnum, signer, type = '1', ...options }) {
      need('sendAuthCode', 'contractnum', contractnum)
      need('sendAuthCode', 'signer.email', signer?.email)
      need('sendAuthCode', 'type', type)
      return await request({
        method: 'POST',
        path: 'contract/authcode',
        payload: { signer, contractnum, type },
        ...limits(options),
        // Each try sends the signer an SMS: never twice.
        idempotent: false,
        parse: optionalRecord,
      })
    },

    async verifySignedFile(file, options) {
      return await request({
        method: 'POST',
        path: 'contract/signature/verify',
        payload: {},
        file: { field: 'verifyFile', content: file, filename: options?.filename ?? 'document.pdf' },
        ...limits(options),
        // Verifying changes nothing on the platform: safe to send twice.
        idempotent: true,
      })
    },

    async addUsers(users, options) {
      if (!Array.isArray(users) || users.length === 0) {
        throw new TypeError('addUsers: users must be a non-empty array')
      }
      return await request({
        method: 'POST',
        path: 'account/addusers',
        payload: { users },
        ...limits(options),
      })
    },

    async queryUsers(q, options) {
      need('queryUsers', 'q.email', q?.email)
      return await request({
        method: 'POST',
        path: 'account/queryusers',
        payload: { q },
        ...limits(options),
        idempotent: true,
        parse: (value) => (value === undefined ? {} : record(value)),
      })
    },

    async accountInformation(options) {
      return await request({
        method: 'GET',
        path: 'account/infomation',
        ...limits(options),
        parse: (value) => (value === undefined ? {} : record(value)),
      })
    },
  }
}

/**
 * A client of the platform that speaks its protocol: the access token (fetched on first use, shared by
 * concurrent calls, cached for `tokenTtlMs`, renewed once when the platform answers 5 or 6), encrypted
 * `data` with its `mac`, verified and decrypted answers, retries of idempotent calls, and every failure a
 * `SignError`. Options are checked here, with a `TypeError` or `RangeError` that names the option.
 *
 * @example
 * const platform = createPlatformClient({
 *   baseUrl: 'https://stg-env.signingcloud.com/signserver/v1/',
 *   apiKey: process.env.SC_API_KEY!,
 *   apiSecret: process.env.SC_API_SECRET!,
 * })
 * const { contractnum } = await platform.uploadDocument({ file, type: 'pdf', contractInfo })
 */
export function createPlatformClient(options: PlatformClientOptions): PlatformClient {
  return withSigningFlow(createRequester(options))
}
