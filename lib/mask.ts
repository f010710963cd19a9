// Destinations are shown masked so a screen or a log never shows a whole address.

/** `alice@example.com` becomes `a***@example.com` (spaces around it are not shown). */
export function maskEmail (entry: string): string {
  const address = entry.trim()
  const at = address.lastIndexOf('@')
  const local = at > 0 ? address.slice(0, at) : address
  const domain = at > 0 ? address.slice(at) : ''
  return `${local[0] ?? ''}***${domain}`
}

/** Compare addresses the way users expect: surrounding spaces and case do not matter. */
export function normalizeEmail (address: string): string {
  return address.trim().toLowerCase()
}

/** `+1 (555) 010-0123` becomes `+*********23`: the last two digits, enough to tell phones apart. */
export function maskPhone (phone: string): string {
  const digits = normalizePhone(phone).replace('+', '')
  return `${phone.trim().startsWith('+') ? '+' : ''}${'*'.repeat(Math.max(0, digits.length - 2))}${digits.slice(-2)}`
}

/** Phones compare by their digits (and a leading +), however they are spaced or punctuated. */
export function normalizePhone (phone: string): string {
  const trimmed = phone.trim()
  return (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/\D/g, '')
}
