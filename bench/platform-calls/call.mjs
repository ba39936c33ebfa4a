// The call both clients make, once per request: the first page of `contract/list`, 10 documents with their
// signers (`rDetail` 2), every state (-1). listContracts() sends its payload with these five fields, in this order.
export const PAYLOAD = { startIndex: 0, pageSize: 10, rDetail: 2, contractState: -1, date: '' }
