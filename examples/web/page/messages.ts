// What to tell a person when a step-up call is refused: one sentence per FST_STEP_UP_* code, with
// the wait of a 429 in words. The server's own messages are for developers; these are for users.
import { StepUpClientError, type StepUpMethodName } from 'fastify-step-up/client'

/** "30 seconds", "1 minute", "15 minutes", "1 minute 30 seconds". */
export function inWords (seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds))
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`
  if (s < 60) return plural(s, 'second')
  const minutes = Math.floor(s / 60)
  const rest = s % 60
  // Round long waits to whole minutes: "14 minutes 59 seconds" is noise.
  if (minutes >= 5) return plural(Math.ceil(s / 60), 'minute')
  return rest === 0 ? plural(minutes, 'minute') : `${plural(minutes, 'minute')} ${plural(rest, 'second')}`
}

/** "14:59": a countdown for a button. */
export function clock (seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

const CREDENTIAL: Partial<Record<StepUpMethodName, string>> = {
  password: 'That password is not correct.',
  pin: 'That PIN is not correct.',
  'security-questions': 'One or more answers are not correct.'
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

export function errorMessage (err: unknown, method?: StepUpMethodName): ErrorMessage {
  // The browser's refusals of a passkey ceremony (a DOMException, or a TypeError without WebAuthn).
  if (method === 'passkey' && err instanceof Error && !(err instanceof StepUpClientError) && err.name !== 'TypeError') {
    if (err.name === 'NotAllowedError') return { text: 'The passkey prompt was cancelled or timed out. Try again, or choose another method.' }
    if (err.name === 'SecurityError') return { text: 'Passkeys do not work on this address. Open the page at the site\'s own address (localhost).' }
    return { text: 'Your browser could not use a passkey. Choose another method.' }
  }
  if (!(err instanceof StepUpClientError)) {
    return { text: 'The server could not be reached. Check your connection and try again.' }
  }
  const wait = err.retryAfter
  const after = (text: string) => wait === undefined ? { text, retryAfter: wait } : { text: `${text} Try again in ${inWords(wait)}.`, retryAfter: wait }
  switch (err.code) {
    case 'FST_STEP_UP_CODE_INVALID':
      return { text: method === 'email' || method === 'sms' ? 'That code is not correct. Check the latest message and try again.' : 'That code is not correct. Try again.' }
    case 'FST_STEP_UP_CREDENTIAL_INVALID':
      return { text: (method && CREDENTIAL[method]) ?? 'That is not correct. Try again.' }
    case 'FST_STEP_UP_CODE_EXPIRED':
      return { text: 'That code has expired. Send a new code and enter the new one.', needsNewCode: true }
    case 'FST_STEP_UP_PASSKEY_INVALID':
      // The server's reason is a few fixed words ("it was made on another origin"): worth showing.
      return { text: `That passkey was not accepted: ${err.message.replace(/^The passkey was not accepted: /, '')}.` }
    case 'FST_STEP_UP_CODE_USED':
      if (method === 'passkey') return { text: 'That passkey answer was already used. Try again.' }
      return { text: 'That code was already used. Send a new code.', needsNewCode: true }
    case 'FST_STEP_UP_ATTEMPTS_EXHAUSTED':
      return { text: 'Too many wrong tries for this code. Send a new code.', needsNewCode: true }
    case 'FST_STEP_UP_CHALLENGE_NOT_FOUND':
      return { text: 'This code is no longer valid. Send a new code.', needsNewCode: true }
    case 'FST_STEP_UP_LOCKED':
      return { ...after('Too many failed attempts, so verification is locked for your account for now.'), locked: true }
    case 'FST_STEP_UP_RESEND_TOO_SOON':
      return wait === undefined
        ? { text: 'A code was sent moments ago. Wait a little before asking for another.' }
        : { text: `A code was sent moments ago. You can ask for another in ${inWords(wait)}.`, retryAfter: wait }
    case 'FST_STEP_UP_SEND_LIMIT':
      return after('Too many codes were sent to your account.')
    case 'FST_STEP_UP_METHOD_UNAVAILABLE':
      return { text: 'This method is not available for your account. Choose another one.' }
    case 'FST_STEP_UP_DESTINATION_NOT_ALLOWED':
      return { text: 'That address cannot receive codes. Choose another one.' }
    case 'FST_STEP_UP_SEND_FAILED':
      return { text: 'The code could not be sent. Try again, or choose another method.' }
    case 'FST_STEP_UP_STORE_UNAVAILABLE':
      return { text: 'Verification is unavailable right now. Try again in a moment.' }
    case 'FST_STEP_UP_UNAUTHENTICATED':
      return { text: 'Your session has ended. Sign in again.', signedOut: true }
    case 'FST_STEP_UP_INVALID_REQUEST':
      return { text: 'Check what you entered and try again.' }
    default:
      return { text: `Something went wrong (HTTP ${err.statusCode}). Try again.` }
  }
}
