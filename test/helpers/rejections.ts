import { SignError } from 'esign-errors'
import { expect } from 'vitest'

/** What `promise` rejects with; fails the test when it fulfils. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection, got a value')
}

/** The `SignError` `promise` rejects with; fails the test on a fulfilment or any other rejection. */
export async function signErrorOf(promise: Promise<unknown>): Promise<SignError> {
  const error = await rejectionOf(promise)
  expect(error).toBeInstanceOf(SignError)
  return error as SignError
}
