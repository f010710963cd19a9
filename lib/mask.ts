// Destinations are shown masked so a screen or a log never shows a whole address.

/** `alice@example.com` becomes `a***@example.com`. */
export function maskEmail (address: string): string {
  const at = address.lastIndexOf('@')
  const local = at > 0 ? address.slice(0, at) : address
  const domain = at > 0 ? address.slice(at) : ''
  return `${local[0] ?? ''}***${domain}`
}

/** Compare addresses the way users expect: surrounding spaces and case do not matter. */
export function normalizeEmail (address: string): string {
  return address.trim().toLowerCase()
}
