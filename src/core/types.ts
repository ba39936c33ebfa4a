/** What a return code is about; used for grouping in docs and dashboards. */
export type Category =
  | 'success'
  | 'validation'
  | 'auth'
  | 'system'
  | 'user'
  | 'upstream'
  | 'document'
  | 'signing'
  | 'verification'
  | 'account'
  | 'template'
  | 'billing'
  | 'quota'
  | 'certificate'
  | 'ekyc'
  | 'custom'

/** One row of the return-code table. */
export interface CatalogEntry {
  /** The platform's return code: 0 is success, everything else an error. */
  readonly code: number
  /** Stable PascalCase name, unique across the table. */
  readonly name: string
  /** HTTP status a service answers with when this code is the outcome. */
  readonly status: number
  readonly category: Category
  /** Whether the same request may succeed if sent again later. */
  readonly retryable: boolean
  /** The platform's own message, verbatim. */
  readonly message: string
}
