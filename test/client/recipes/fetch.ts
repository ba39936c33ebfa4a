import { readError, retry, unwrap } from 'esign-errors/client'

export interface DocumentInfo {
  id: string
  title: string
}

// The document, or the ApiError the service answered; tried again while the answer says it may succeed later.
// The signal bounds the whole call: unwrap reads a success body to its end, however slowly it comes.
export function getDocument(baseUrl: string, id: string): Promise<DocumentInfo> {
  return retry(() =>
    fetch(`${baseUrl}/documents/${id}`, { signal: AbortSignal.timeout(10_000) }).then(unwrap<DocumentInfo>),
  )
}

// No data to unwrap: readError gives the error of any answer but a 2xx.
export async function deleteDocument(baseUrl: string, id: string): Promise<void> {
  const response = await fetch(`${baseUrl}/documents/${id}`, { method: 'DELETE' })
  const error = await readError(response)
  if (error) throw error
}
