import axios, { type AxiosInstance } from 'axios'
import { readError } from 'esign-errors/client'
import type { DocumentInfo } from './fetch.js'

export function createApi(baseURL: string): AxiosInstance {
  const api = axios.create({ baseURL })
  api.interceptors.response.use(undefined, async (error: unknown) => {
    const answer = axios.isAxiosError(error) ? error.response : undefined
    if (answer === undefined) throw error // no answer at all: a network failure, a timeout, a cancel
    // axios has parsed JSON already, or kept the text; readError wants the answer back as a Response.
    const body = typeof answer.data === 'string' ? answer.data : JSON.stringify(answer.data)
    const response = new Response(body || null, {
      status: answer.status,
      headers: answer.headers as Record<string, string>,
    })
    throw (await readError(response)) ?? error
  })
  return api
}

export async function getDocument(api: AxiosInstance, id: string): Promise<DocumentInfo> {
  const { data: envelope } = await api.get<{ code: 0; data: DocumentInfo }>(`/documents/${id}`)
  return envelope.data
}
