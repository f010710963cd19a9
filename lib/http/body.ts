// How a step-up route reads its body, the same in every adapter: JSON only, small, and every
// problem answered with FST_STEP_UP_INVALID_REQUEST and the status HTTP gives it.
import { FST_STEP_UP_INVALID_REQUEST, type StepUpError } from '../errors.js'

/** Step-up bodies are a few short strings; anything bigger is not one. */
export const BODY_LIMIT = 16 * 1024

export function invalidBody (statusCode: number, reason: string): StepUpError {
  const err = new FST_STEP_UP_INVALID_REQUEST(reason) as StepUpError
  err.statusCode = statusCode
  return err
}

export const bodyTooLarge = (): StepUpError => invalidBody(413, `the body is larger than ${BODY_LIMIT} bytes`)
export const notJson = (): StepUpError => invalidBody(415, 'send the body as application/json')

/** True for a Content-Type of `application/json`, with or without parameters. */
export function isJsonContentType (header: string): boolean {
  return header.split(';', 1)[0]!.trim().toLowerCase() === 'application/json'
}

/** Parses a JSON body; an empty one is no body at all, which the route's schema then refuses. */
export function parseJsonBody (text: string): unknown {
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text)
  } catch {
    throw invalidBody(400, 'the body is not valid JSON')
  }
}
