/** What the signing flow's calls answer, as typed, and the checks that hold an answer to its type. */

/** An answer object: the fields this package reads, typed, and every other field as the platform sent it. */
export type Answer<T> = T & { [field: string]: unknown }

/** What an upload answers: the new document's number. */
export type UploadResult = Answer<{ contractnum: string }>

/** One document of the list. */
export type ContractSummary = Answer<{
  contractnumber?: string
  createtime?: string
  addressee?: Answer<{ idcardnum?: string; signstate?: number; authtype?: number }>[]
  contractlog?: Answer<{ logtype?: number; description?: string; logtime?: string; operator?: string }>[]
}>

/** What the list answers. */
export type ContractList = Answer<{
  contractList: ContractSummary[]
  contractCnt?: number
  contractTotal?: number
}>

/** What the details answer; `previewurl` is the only field the sources show. */
export type ContractDetails = Answer<{ contractDetails: Answer<{ previewurl?: string }> }>

// Both downloads answer the file as the hex of `pdfdata`: the requester decodes it from the answer's bytes,
// never as a string (a 24 MiB file is a 48 MiB string of hex).
export const PDFDATA = ['pdfdata']

/** The bytes of an answer's `pdfdata`; a `pdfdata` that is not hex of whole bytes stays a string. */
export function pdfdata(value: unknown): Uint8Array {
  const bytes = record(value).pdfdata
  if (!(bytes instanceof Uint8Array) || bytes.length === 0)
    throw new Error('pdfdata is not the hex of a file')
  return bytes
}

/** An answer that may be absent (`undefined`), else an object. */
export function optionalRecord(value: unknown): Answer<object> | undefined {
  return value === undefined ? undefined : record(value)
}

/** Whether a value is a plain JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The value as an object; throws, for `parse` to make it code 3, when it is none. */
export function record(value: unknown, name = 'the answer'): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${name} is not an object`)
  return value
}

/** A `parse` that wants an object whose `key` is a non-empty string. */
export function withString<K extends string>(key: K): (value: unknown) => Answer<{ [P in K]: string }> {
  return (value) => {
    const answer = record(value)
    if (typeof answer[key] !== 'string' || answer[key] === '')
      throw new Error(`${key} is not a non-empty string`)
    return answer as Answer<{ [P in K]: string }>
  }
}
