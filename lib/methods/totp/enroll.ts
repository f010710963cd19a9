// Enrolling an authenticator app: a new secret, the otpauth:// URI and its QR code for the app to
// scan, and the check of the first code, which proves the app was set up.
import { generateSecret } from 'otplib'
import { requireInstalled, type OptionalDependency } from '../../optional.js'
import { base32, crypto, decodeSecret, matchTotp, MAX_SECRET_BYTES, MIN_SECRET_BYTES, resolveSettings, type TotpSettings } from './otp.js'

/** A new random secret, base32 without padding, 20 bytes (160 bits, RFC 4226's advice) by default. */
export function generateTotpSecret (bytes = 20): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RangeError(`A TOTP secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`)
  }
  // The bytes come from node:crypto's randomBytes, through otp.ts's crypto plugin.
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

// An optional peer: only apps that draw the QR code themselves on the server need it (others
// render totpUri in the browser), and it brings about thirty packages, a command-line parser among them.
const QRCODE: OptionalDependency = { name: 'qrcode', need: 'qrcode to draw the TOTP enrollment QR code' }

/**
 * A PNG data: URL of the QR code for a URI, for the app's enrollment page. Needs the optional peer
 * `qrcode`, loaded on the first call; without it, rejects with FST_STEP_UP_DEPENDENCY_MISSING.
 */
export async function totpQrCode (uri: string): Promise<string> {
  requireInstalled(QRCODE)
  const { toDataURL } = await import('qrcode')
  // Level M survives a little glare or a scuffed screen and keeps a 32-character secret compact.
  return await toDataURL(uri, { type: 'image/png', errorCorrectionLevel: 'M', margin: 4 })
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
