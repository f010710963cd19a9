// @simplewebauthn/server, loaded on first use, for the step-up check and for enrollment alike; why it
// refused an authenticator's answer, in a few fixed words; and the bytes of base64url values.
import { FST_STEP_UP_PASSKEY_INVALID } from '../../errors.js'
import { requireInstalled, type OptionalDependency } from '../../optional.js'

type WebAuthn = typeof import('@simplewebauthn/server')

// An optional peer: about twenty-five packages (X.509 and ASN.1 parsers among them) that take a good
// part of a second to load, which apps without passkeys should neither install nor pay for at startup.
const WEBAUTHN: OptionalDependency = { name: '@simplewebauthn/server', need: '@simplewebauthn/server for passkeys' }

let loading: Promise<WebAuthn> | undefined

/**
 * Throws FST_STEP_UP_DEPENDENCY_MISSING when @simplewebauthn/server is not installed, without
 * loading it: for setup, so an app with passkeys on fails at startup rather than at the first ceremony.
 */
export function requireWebAuthn (): void {
  requireInstalled(WEBAUTHN)
}

/** @simplewebauthn/server, imported on first use; rejects with FST_STEP_UP_DEPENDENCY_MISSING when it is not installed. */
export function webAuthn (): Promise<WebAuthn> {
  loading ??= (async () => {
    requireWebAuthn()
    return await import('@simplewebauthn/server')
  })()
  return loading
}

/** A counter that did not go up: a replayed answer, or a cloned authenticator. */
export const COUNTER_REASON = 'its signature counter did not advance'

/** What @simplewebauthn/server says, in a few fixed words: its messages quote what the client sent. */
const REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(Unexpected (authentication|registration) response challenge|Custom challenge verifier)/, 'it answers another challenge'],
  [/^Unexpected (authentication|registration) response origin|cross-origin|top origin/, 'it was made on another origin'],
  [/^Unexpected RP ID hash/, 'it was made for another RP ID'],
  [/^User verification (was )?required/, 'the user was not verified'],
  [/^User (not present|presence was required)/, 'the user was not present'],
  [/^Response counter value/, COUNTER_REASON]
]

/** The step-up error for what @simplewebauthn/server threw (kept as `cause`, for the log). */
export function passkeyRefusal (cause: unknown): Error {
  const message = cause instanceof Error ? cause.message : ''
  const reason = REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? 'the response is malformed'
  return Object.assign(new FST_STEP_UP_PASSKEY_INVALID(reason), { cause })
}

/** The bytes of a base64url string, or a copy of given bytes. */
export function toBytes (value: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(typeof value === 'string' ? Buffer.from(value, 'base64url') : value)
}
