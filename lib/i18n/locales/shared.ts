// What the catalogs share besides their words.
import type { MessageParams } from '../messages.js'

type Where = Pick<MessageParams<'notify.failures.text'>, 'ip' | 'userAgent'>

/** A "From: 192.0.2.1 (Firefox on Linux)" line with the catalog's word for "from"; none when the app passed neither. */
export function fromLine (label: string, { ip, userAgent }: Where): string[] {
  if (ip === undefined && userAgent === undefined) return []
  const parts = [ip, userAgent === undefined ? undefined : `(${userAgent})`].filter((part) => part !== undefined)
  return [`${label}: ${parts.join(' ')}`]
}
