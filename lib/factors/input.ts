// What a user types when managing factors: a label and a PIN. Labels are plain text the user's
// other devices and an admin's console will show, so the schema bounds them and refuses what could
// hide or disguise text there (control characters, bidirectional overrides, zero-width characters)
// or be read as markup by a page that forgets to escape (`<`, `>`). PINs anyone would guess first
// are refused (NIST SP 800-63B asks to refuse commonly used secrets).
import { FST_STEP_UP_INVALID_REQUEST } from '../errors.js'

/** 1 to 64 characters, none of: C0 and C1 controls, `<`, `>`, zero-width and bidi controls, separators, BOM. */
export const LABEL_SCHEMA = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f<>\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\ufeff]+$',
  description: 'Your name for the factor: plain text, 1 to 64 characters, no control characters or `<` `>`.'
} as const

/** The label as stored: NFC, trimmed; the default when none was given. */
export function labelOf (given: string | undefined, fallback: string): string {
  if (given === undefined) return fallback
  const label = given.normalize('NFC').trim()
  if (label === '') throw new FST_STEP_UP_INVALID_REQUEST('body/label must contain more than spaces')
  return label
}

/** The PIN's own schema, as the PIN step-up takes it. */
export const PIN_SCHEMA = { type: 'string', pattern: '^[0-9]{4,12}$', description: '4 to 12 digits.' } as const

/** One digit repeated (0000), or a run up or down (1234, 9876, 7890). */
export function guessablePin (pin: string): boolean {
  const digits = [...pin].map(Number)
  const steps = new Set(digits.slice(1).map((digit, i) => (digit - digits[i]! + 10) % 10))
  return steps.size === 1 && (steps.has(0) || steps.has(1) || steps.has(9))
}
