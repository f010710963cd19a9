import { STATUS_CODES } from 'node:http'
import { isStepUpError } from '../errors.js'

/** A reply an adapter writes as it is. */
export interface HttpReply {
  statusCode: number
  headers: Record<string, string>
  body: Record<string, unknown>
}

/** The reply for a step-up error; undefined for any other error, which stays the app's to handle. */
export function errorReply (err: unknown): HttpReply | undefined {
  if (!isStepUpError(err)) return undefined
  return {
    statusCode: err.statusCode,
    headers: err.headers ?? {},
    body: { statusCode: err.statusCode, code: err.code, error: STATUS_CODES[err.statusCode], message: err.message }
  }
}
