// Authenticator apps (RFC 6238 TOTP on top of RFC 4226 HOTP). otplib does the HOTP arithmetic;
// this file pins down what otplib leaves open: how far drift may go, what a malformed code or a
// broken secret does, and where time comes from (always the caller, so tests and stores agree).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { generate, generateSecret, ScureBase32Plugin, verify } from 'otplib'
import type { CryptoPlugin } from 'otplib'
import QRCode from 'qrcode'

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512'

export interface TotpSettings {
  algorithm: TotpAlgorithm
  digits: 6 | 8
  /** Seconds per time step. */
  period: number
}

/** What every authenticator app supports; anything else is opt-in because some apps ignore it. */
export const DEFAULT_TOTP: TotpSettings = Object.freeze({ algorithm: 'SHA1', digits: 6, period: 30 })

// otplib refuses keys outside 16..64 bytes (RFC 4226 asks for at least 128 bits; the RFC 6238
// SHA-512 vectors use 64), so we enforce the same range up front, with our own errors.
const MIN_SECRET_BYTES = 16
const MAX_SECRET_BYTES = 64
// otplib's own bounds for a period; an hour-long step would already be a poor second factor.
const MAX_PERIOD = 3600

const base32 = new ScureBase32Plugin()

/**
 * otplib's primitives from node:crypto (OpenSSL) instead of its default pure-JS plugin: the HMAC,
 * the CSPRNG and the comparison are then the ones the rest of the package already relies on.
 * otplib passes canonical lower-case names ('sha1', 'sha256', 'sha512'), which OpenSSL knows.
 */
const crypto: CryptoPlugin = {
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

/** Defaults fill only `undefined`, then everything is checked once: a typo must not weaken TOTP. */
function resolveSettings (settings: Partial<TotpSettings> = {}): TotpSettings {
  const algorithm = settings.algorithm === undefined ? DEFAULT_TOTP.algorithm : settings.algorithm
  const digits = settings.digits === undefined ? DEFAULT_TOTP.digits : settings.digits
  const period = settings.period === undefined ? DEFAULT_TOTP.period : settings.period
  if (algorithm !== 'SHA1' && algorithm !== 'SHA256' && algorithm !== 'SHA512') {
    throw new TypeError('TOTP algorithm must be SHA1, SHA256 or SHA512')
  }
  if (digits !== 6 && digits !== 8) throw new RangeError('TOTP digits must be 6 or 8')
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
function decodeSecret (secret: string): Uint8Array {
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

/** A new random secret, base32 without padding, 20 bytes (160 bits, RFC 4226's advice) by default. */
export function generateTotpSecret (bytes = 20): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RangeError(`A TOTP secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`)
  }
  // The bytes come from node:crypto's randomBytes through the plugin above.
  return generateSecret({ length: bytes, crypto, base32 })
}

/**
 * The otpauth:// URI an authenticator app reads (from a QR code), in the Key URI Format that
 * Google Authenticator defined and other apps follow. Built here rather than with otplib's
 * generateURI because that one drops algorithm, digits and period when they equal the defaults
 * and lets a colon through in the label; we always write every parameter.
 */
export function totpUri (options: { secret: string, accountName: string, issuer: string } & Partial<TotpSettings>): string {
  const { secret, accountName, issuer, ...rest } = options
  const { algorithm, digits, period } = resolveSettings(rest)
  // The label is "issuer:account"; a colon inside either part would make it ambiguous.
  for (const [name, value] of [['issuer', issuer], ['accountName', accountName]] as const) {
    if (typeof value !== 'string' || value.trim() === '' || value.includes(':')) {
      throw new TypeError(`The TOTP ${name} must be a non-empty string without a colon`)
    }
  }
  // Re-encoded so the app sees canonical base32 (upper case, no padding) whatever was stored,
  // and an invalid secret is refused before a user enrolls with it.
  const canonical = base32.encode(decodeSecret(secret), { padding: false })
  // encodeURIComponent, not URLSearchParams: some apps show a '+' literally instead of a space.
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`
  return `otpauth://totp/${label}?secret=${canonical}&issuer=${encodeURIComponent(issuer)}` +
    `&algorithm=${algorithm}&digits=${digits}&period=${period}`
}

/** A PNG data: URL of the QR code for a URI, for the app's enrollment page. */
export async function totpQrCode (uri: string): Promise<string> {
  // Level M survives a little glare or a scuffed screen and keeps a 32-character secret compact.
  return await QRCode.toDataURL(uri, { type: 'image/png', errorCorrectionLevel: 'M', margin: 4 })
}

/**
 * Enrollment: true when `code` is valid for `secret` now (the first code proves the app was set
 * up). `now` is in milliseconds and defaults to the system clock. The same one-step drift applies
 * as in matchTotp. This answers only yes or no: to also refuse that first code at a step-up a few
 * seconds later, call matchTotp and store the step it returns as used.
 */
export async function confirmTotpEnrollment (options: { secret: string, code: string, now?: number } & Partial<TotpSettings>): Promise<boolean> {
  const { secret, code, now, ...settings } = options
  return await matchTotp(secret, code, now ?? Date.now(), settings) !== null
}
