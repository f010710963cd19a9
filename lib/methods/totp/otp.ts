// Authenticator apps (RFC 6238 TOTP on top of RFC 4226 HOTP). otplib does the HOTP arithmetic;
// this file pins down what otplib leaves open: how far drift may go, what a malformed code or a
// broken secret does, and where time comes from (always the caller, so tests and stores agree).
// The settings, their defaults and the values allowed are written here once, for the `totp` option
// and the enrollment helpers alike.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { generate, ScureBase32Plugin, verify } from 'otplib'
import type { CryptoPlugin } from 'otplib'

export const TOTP_ALGORITHMS = ['SHA1', 'SHA256', 'SHA512'] as const
export const TOTP_DIGITS = [6, 8] as const

export type TotpAlgorithm = typeof TOTP_ALGORITHMS[number]

export interface TotpSettings {
  algorithm: TotpAlgorithm
  digits: typeof TOTP_DIGITS[number]
  /** Seconds per time step. */
  period: number
}

/** What every authenticator app supports; anything else is opt-in because some apps ignore it. */
export const DEFAULT_TOTP: TotpSettings = Object.freeze({ algorithm: 'SHA1', digits: 6, period: 30 })

// otplib refuses keys outside 16..64 bytes (RFC 4226 asks for at least 128 bits; the RFC 6238
// SHA-512 vectors use 64), so we enforce the same range up front, with our own errors.
export const MIN_SECRET_BYTES = 16
export const MAX_SECRET_BYTES = 64
// otplib's own bounds for a period; an hour-long step would already be a poor second factor.
const MAX_PERIOD = 3600

export const base32 = new ScureBase32Plugin()

/**
 * otplib's primitives from node:crypto (OpenSSL) instead of its default pure-JS plugin: the HMAC,
 * the CSPRNG and the comparison are then the ones the rest of the package already relies on.
 * otplib passes canonical lower-case names ('sha1', 'sha256', 'sha512'), which OpenSSL knows.
 */
export const crypto: CryptoPlugin = {
  name: 'node',
  algorithms: ['sha1', 'sha256', 'sha512'],
  hmac: (algorithm, key, data) => createHmac(algorithm, key).update(data).digest(),
  randomBytes: (length) => randomBytes(length),
  constantTimeEqual (a, b) {
    const x = Buffer.from(a)
    const y = Buffer.from(b)
    // Codes are length-checked before this, so the length says nothing secret.
    return x.length === y.length && timingSafeEqual(x, y)
  }
}

/** The defaults, where (and only where) a setting is `undefined`. */
export function withTotpDefaults (settings: Partial<TotpSettings>): TotpSettings {
  return {
    algorithm: settings.algorithm === undefined ? DEFAULT_TOTP.algorithm : settings.algorithm,
    digits: settings.digits === undefined ? DEFAULT_TOTP.digits : settings.digits,
    period: settings.period === undefined ? DEFAULT_TOTP.period : settings.period
  }
}

/** Defaults fill only `undefined`, then everything is checked once: a typo must not weaken TOTP. */
export function resolveSettings (settings: Partial<TotpSettings> = {}): TotpSettings {
  const { algorithm, digits, period } = withTotpDefaults(settings)
  if (!TOTP_ALGORITHMS.includes(algorithm)) throw new TypeError('TOTP algorithm must be SHA1, SHA256 or SHA512')
  if (!TOTP_DIGITS.includes(digits)) throw new RangeError('TOTP digits must be 6 or 8')
  if (!Number.isInteger(period) || period < 1 || period > MAX_PERIOD) {
    throw new RangeError(`TOTP period must be a whole number of seconds from 1 to ${MAX_PERIOD}`)
  }
  return { algorithm, digits, period }
}

/**
 * The key bytes of a base32 secret. A broken secret throws a plain Error: it is the app's stored
 * data that is wrong, and answering "wrong code" instead would count the user toward a lockout
 * for a bug nobody sees. The message never quotes the secret.
 */
export function decodeSecret (secret: string): Uint8Array {
  let key: Uint8Array
  try {
    // Case and '=' padding are forgiven (scure upper-cases and pads); any other character is not.
    key = base32.decode(secret)
  } catch {
    throw new Error('The TOTP secret is not valid base32')
  }
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new Error(`The TOTP secret must decode to ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`)
  }
  return key
}

/**
 * The RFC 4226 HOTP value of `counter`. TOTP is HOTP of the time step, so this is also how tests
 * and tools compute the code of a given step without going through the clock.
 */
export async function hotp (secret: string, counter: number, digits: 6 | 8 = 6): Promise<string> {
  return await generate({ strategy: 'hotp', secret: decodeSecret(secret), counter, digits, crypto })
}

/**
 * The time step a code matches at `nowMs`, allowing at most one step of drift either way (RFC 6238
 * 5.2); null if none. The caller refuses steps already used: store the last accepted step per user
 * and refuse any step at or below it, otherwise a code of the previous step stays usable after a
 * newer one was accepted.
 *
 * A malformed code (wrong length, anything but ASCII digits, not a string) is just a wrong code:
 * null, never a throw, because it comes from the user. An invalid secret throws an Error (see
 * decodeSecret), as do invalid settings or clock: those are the app's bugs.
 */
export async function matchTotp (secret: string, code: string, nowMs: number, settings?: Partial<TotpSettings>): Promise<number | null> {
  const { algorithm, digits, period } = resolveSettings(settings)
  const key = decodeSecret(secret)
  if (!Number.isFinite(nowMs) || nowMs < 0) throw new RangeError('nowMs must be a time in milliseconds since 1970')
  // otplib throws on a token of the wrong shape; checking first keeps user input from throwing.
  if (typeof code !== 'string' || code.length !== digits || !/^[0-9]+$/.test(code)) return null

  const epoch = Math.floor(nowMs / 1000)
  const result = await verify({
    strategy: 'totp',
    secret: key,
    token: code,
    epoch,
    period,
    digits,
    algorithm: algorithm === 'SHA1' ? 'sha1' : algorithm === 'SHA256' ? 'sha256' : 'sha512',
    // A tolerance of exactly one period makes otplib check floor(epoch / period) - 1 .. + 1: the
    // previous, current and next step, no more (a smaller value would make the window depend on
    // where in the step `now` falls). Replay is left to the caller, who owns the store
    // (otplib's afterTimeStep throws when the stored step is ahead of the clock).
    epochTolerance: period,
    crypto
  })
  if (!result.valid) return null
  // delta is the matching step relative to the current one, so the step is exact even at edges.
  return Math.floor(epoch / period) + result.delta
}
