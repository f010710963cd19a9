// Recovery codes: printed or saved once, each good for one step-up when the usual factor is lost.
// Codes are random and long enough (50 bits) that a fast hash protects them at rest; the app
// keeps only the hashes, looks a typed code up by its hash and deletes the row when it is used.
import { createHash, randomBytes } from 'node:crypto'

// Crockford's base32: no I, L, O or U, so a code read off paper has no look-alike letters.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const CODE_LENGTH = 10 // 10 symbols of 5 bits: 50 bits each
const DEFAULT_COUNT = 10
const MAX_COUNT = 50

/** `ABCDEFGHJK` shown as `ABCDE-FGHJK`: two short groups are easier to copy without slips. */
function randomCode (): string {
  // 32 divides 256, so the low five bits of a random byte pick each symbol without modulo bias.
  const symbols = Array.from(randomBytes(CODE_LENGTH), (byte) => ALPHABET[byte & 31])
  return `${symbols.slice(0, 5).join('')}-${symbols.slice(5).join('')}`
}

/** A set of single-use codes, shown to the user once; the app stores only `hashes` (same order). */
export function generateBackupCodes (options: { count?: number } = {}): { codes: string[], hashes: string[] } {
  // Only undefined takes the default, so a mistaken 0 or null is an error rather than ten codes.
  const count = options.count === undefined ? DEFAULT_COUNT : options.count
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new RangeError(`The number of backup codes must be a whole number from 1 to ${MAX_COUNT}`)
  }
  // A Set drops a duplicate (1 in 10^12 for 50 codes) so two rows never hold the same hash.
  const codes = new Set<string>()
  while (codes.size < count) codes.add(randomCode())
  return { codes: [...codes], hashes: [...codes].map(hashBackupCode) }
}

/**
 * Upper case, no spaces or dashes, Crockford look-alikes mapped (O→0, I/L→1) so a code typed
 * from paper still matches. NFKC first, so full-width characters from a phone keyboard count too.
 */
export function normalizeBackupCode (code: string): string {
  return code
    .normalize('NFKC')
    .toUpperCase()
    // Any whitespace, the ASCII hyphen and the Unicode dashes and minus autocorrect may produce.
    .replace(/[\s\-\u2010-\u2015\u2212]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1')
}

/**
 * The stored form of a code: SHA-256 (hex) of its normalized form. Codes are random (50 bits), so
 * a fast hash is enough; the app looks a code up by this hash and deletes it when used. Anything
 * can be hashed: a string that is not a code simply matches no row.
 */
export function hashBackupCode (code: string): string {
  return createHash('sha256').update(normalizeBackupCode(code)).digest('hex')
}
