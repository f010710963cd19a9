// What to tell a person when a step-up call is refused: one sentence per FST_STEP_UP_* code, in
// the browser's language (fastify-step-up/client's dialogTexts), with the wait of a 429 in words,
// and what the dialog should do next.
import { StepUpClientError, type StepUpMethodName } from 'fastify-step-up/client'
import { texts } from './texts.js'

/** "30 seconds", "1 minute 30 seconds", "15 minutes", in the dialog's language. */
export function inWords (seconds: number): string {
  return texts.duration(seconds)
}

/** "14:59": a countdown for a button. */
export function clock (seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

export interface ErrorMessage {
  text: string
  /** Seconds before trying again makes sense (a 429's Retry-After). */
  retryAfter?: number
  /** The code the user typed can no longer work: a new one is needed. */
  needsNewCode?: boolean
  /** The user's login is gone: only signing in again helps. */
  signedOut?: boolean
  /** Step-up is locked for the account, whatever the method, for `retryAfter` seconds. */
  locked?: boolean
}

/** Codes after which the code typed can no longer work: a new one is needed. */
const NEEDS_NEW_CODE = new Set(['FST_STEP_UP_CODE_EXPIRED', 'FST_STEP_UP_ATTEMPTS_EXHAUSTED', 'FST_STEP_UP_ACTION_MISMATCH', 'FST_STEP_UP_CHALLENGE_NOT_FOUND'])

export function errorMessage (err: unknown, method?: StepUpMethodName): ErrorMessage {
  // The browser's refusals of a passkey ceremony (a DOMException, or a TypeError without WebAuthn).
  if (method === 'passkey' && err instanceof Error && !(err instanceof StepUpClientError) && err.name !== 'TypeError') {
    return { text: texts.refusal(err.name === 'NotAllowedError' ? 'passkey-cancelled' : err.name === 'SecurityError' ? 'passkey-insecure' : 'passkey-unsupported') }
  }
  if (!(err instanceof StepUpClientError)) return { text: texts.refusal('network') }
  const wait = err.retryAfter
  const code = err.code ?? 'unexpected' // an answer that is not one of the plugin's
  const text = texts.refusal(code, {
    method,
    wait: wait === undefined ? undefined : inWords(wait),
    status: err.statusCode,
    // The server's reason is a few fixed words ("it was made on another origin"): worth showing.
    reason: code === 'FST_STEP_UP_PASSKEY_INVALID' ? err.message.replace(/^The passkey was not accepted: /, '') : undefined
  })
  return {
    text,
    ...(wait === undefined ? {} : { retryAfter: wait }),
    ...(NEEDS_NEW_CODE.has(code) || (code === 'FST_STEP_UP_CODE_USED' && method !== 'passkey') ? { needsNewCode: true } : {}),
    ...(code === 'FST_STEP_UP_LOCKED' ? { locked: true } : {}),
    ...(code === 'FST_STEP_UP_UNAUTHENTICATED' ? { signedOut: true } : {})
  }
}
