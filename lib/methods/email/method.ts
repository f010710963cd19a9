// Email one-time codes, in both modes of the reference: "MFA" (the email authenticator must be
// enrolled) and "without MFA" (any verified address on the profile).
import { oneEmailAddress } from '../../address.js'
import { maskEmail, normalizeEmail } from '../../mask.js'
import { escapeHtml } from '../../mail/html.js'
import type { EmailSender } from '../../senders/email.js'
import type { ModuleOf } from '../method.js'
import type { EmailOptions } from './options.js'

/** RFC 8176 has no value for email; `otp` plus the private value `email` says what happened. */
export const EMAIL_AMR = ['otp', 'email'] as const

export function createEmailChannel (options: EmailOptions, sender: EmailSender): ModuleOf<'email'> {
  return {
    kind: 'otp',
    method: 'email',
    amr: EMAIL_AMR,
    field: 'email',
    fieldSchema: { type: 'string', minLength: 3, maxLength: 254 },
    destinations (user) {
      if (options.mode === 'mfa' && user.factors?.email !== true) return []
      return user.emails ?? []
    },
    // One plain address: a list, a display name or header text would reach other recipients.
    accepts: (destination) => oneEmailAddress(destination) !== undefined,
    normalize: normalizeEmail,
    mask: maskEmail,
    async notify ({ destination, subject, text, html }) {
      await sender.sendMail(destination, { subject, text, html })
    },
    async deliver ({ user, destination, code, ttlMs, action, summary, locale }) {
      await sender.send(destination, {
        code,
        expiresInMinutes: Math.ceil(ttlMs / 60_000),
        user,
        locale,
        ...(action ? { action } : {}),
        ...(summary === undefined ? {} : { summary, summaryHtml: escapeHtml(summary) })
      })
    }
  }
}
