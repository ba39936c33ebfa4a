import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SentCallback } from './callbacks.js'

type Act = (
  contractnum: string,
  email: string,
  event: 'signed' | 'refused',
) => Promise<SentCallback | undefined>

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

function page(res: ServerResponse, status: number, body: string): void {
  const html = `<!doctype html><meta charset="utf-8"><title>Fake signing page</title>${body}`
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(html)),
  })
  res.end(html)
}

/**
 * The page `contract/signature/manual` links to (`/signserver/usersign!toIntegratorSign.action?accesscode=…`):
 * GET shows a form, POST `action=sign` or `action=refuse` acts as the signer, then redirects to the `backUrl`
 * given with the link, if any. Good for a browser test; `fake.sign()` does the same without one.
 */
export async function signingPage(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  pages: Map<string, { contractnum: string; email: string; backUrl?: string }>,
  act: Act,
): Promise<void> {
  const code = url.searchParams.get('accesscode') ?? ''
  const link = pages.get(code)
  if (link === undefined) return page(res, 404, '<p>This signing link is not valid.</p>')
  if (req.method === 'GET') {
    return page(
      res,
      200,
      `<p>${escapeHtml(link.email)}, please sign document ${escapeHtml(link.contractnum)}.</p>` +
        `<form method="post"><button name="action" value="sign">Sign</button>` +
        `<button name="action" value="refuse">Refuse</button></form>`,
    )
  }
  if (req.method !== 'POST') return page(res, 405, '<p>Method not allowed.</p>')
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const action = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('action')
  if (action !== 'sign' && action !== 'refuse') return page(res, 400, '<p>Choose sign or refuse.</p>')
  pages.delete(code)
  try {
    await act(link.contractnum, link.email, action === 'sign' ? 'signed' : 'refused')
  } catch {
    return page(res, 409, '<p>This document can no longer be signed.</p>')
  }
  if (link.backUrl !== undefined && /^https?:\/\//i.test(link.backUrl)) {
    res.writeHead(303, { location: link.backUrl, 'content-length': '0' })
    res.end()
    return
  }
  page(res, 200, `<p>Done: ${action === 'sign' ? 'signed' : 'refused'}.</p>`)
}
