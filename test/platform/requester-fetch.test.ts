// requester.test.ts again, with every client that is given no `fetch` of its own given the global one: the
// exchange a client takes in Bun, Deno and workers, or with a `fetch` of its own, as on Node it takes node:http.
;(globalThis as { requesterViaFetch?: boolean }).requesterViaFetch = true
await import('./requester.test.js')
// Read as the file loads (its tests are collected then): gone before any test runs, as another file expects.
delete (globalThis as { requesterViaFetch?: boolean }).requesterViaFetch
