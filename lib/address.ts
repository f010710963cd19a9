// A profile entry is a destination only when it is exactly one: one plain address, one number. A
// list ("a@x.test, b@y.test"), a display name ("Name <a@x.test>") or header text
// ("a@x.test\r\nBcc: b@y.test") would have a mail library send the code to someone else, and the
// masked form would show one recipient while another gets the code.

// A letter, mark or digit of any script: internationalized addresses (RFC 6531) and domains (IDN).
// No space, punctuation, symbol, control or format character of any script is one of them.
const LETTER = '\\p{L}\\p{M}\\p{N}'
// RFC 5322 atext: what a dot-atom is made of. No quote, comma, semicolon, angle bracket,
// parenthesis, colon, backslash, square bracket, @ or whitespace.
const ATEXT = `[${LETTER}A-Za-z0-9!#$%&'*+/=?^_\`{|}~-]`
const LOCAL_PART = `${ATEXT}+(?:\\.${ATEXT}+)*`
const LABEL = `[${LETTER}](?:[${LETTER}-]{0,61}[${LETTER}])?`
const PLAIN_ADDRESS = new RegExp(`^(${LOCAL_PART})@${LABEL}(?:\\.${LABEL})*$`, 'u')

/** RFC 5321: 254 characters in all (a 256-octet path less its angle brackets), 64 before the @. */
const MAX_ADDRESS = 254
const MAX_LOCAL_PART = 64

/**
 * The one plain address (`local@domain`) an email profile entry holds, or undefined when it holds
 * anything else. Spaces around it are allowed (and dropped); inside it, only a dot-atom local part
 * and a domain of dot-separated labels of letters, digits and inner hyphens.
 */
export function oneEmailAddress (entry: string): string | undefined {
  const address = withoutSurroundingSpaces(entry)
  if (address.length > MAX_ADDRESS) return undefined
  const local = PLAIN_ADDRESS.exec(address)?.[1]
  return local !== undefined && local.length <= MAX_LOCAL_PART ? address : undefined
}

/** The longest phone entry: the length the `phone` field of a request may have. */
const MAX_PHONE = 32
const PHONE = /^ *\+?[0-9 ().-]+$/

/**
 * True when a phone profile entry is exactly one number: an optional leading `+`, then digits and
 * the separators space, `(`, `)`, `.` and `-`, with 4 to 15 digits (E.164 allows 15), 32 characters at most.
 */
export function isOnePhoneNumber (entry: string): boolean {
  if (entry.length > MAX_PHONE || !PHONE.test(entry)) return false
  const digits = entry.replace(/\D/g, '').length
  return digits >= 4 && digits <= 15
}

/** Without leading and trailing spaces (U+0020 only: a tab, CR or LF is never part of one address). */
function withoutSurroundingSpaces (text: string): string {
  let start = 0
  let end = text.length
  while (start < end && text[start] === ' ') start++
  while (end > start && text[end - 1] === ' ') end--
  return text.slice(start, end)
}
