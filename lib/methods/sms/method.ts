// SMS one-time codes. The plugin owns the code (generation, HMAC, expiry, attempts, cooldown,
// lockout); the app owns the gateway and gives it as a function.
import { isOnePhoneNumber } from '../../address.js'
import { maskPhone, normalizePhone } from '../../mask.js'
import type { Translator } from '../../i18n/translator.js'
import type { ModuleOf, SmsTextContext } from '../method.js'
import type { SmsOptions } from './options.js'

/** RFC 8176: `sms` (confirmation by text message) and `otp`. */
export const SMS_AMR = ['sms', 'otp'] as const

/**
 * The default text (the `code.sms` text of the catalogs, in the user's language) says what the code
 * approves before the code: what you see is what you sign.
 */
export function createSmsChannel (options: SmsOptions, texts: Translator): ModuleOf<'sms'> {
  const defaultText = ({ code, expiresInMinutes, summary, locale }: SmsTextContext): string =>
    texts.text(locale, 'code.sms', { code, minutes: expiresInMinutes, ...(summary === undefined ? {} : { summary }) })
  return {
    kind: 'otp',
    method: 'sms',
    amr: SMS_AMR,
    field: 'phone',
    fieldSchema: { type: 'string', minLength: 4, maxLength: 32, pattern: '^\\+?[0-9 ().-]+$' },
    destinations (user) {
      if (options.mode === 'mfa' && user.factors?.sms !== true) return []
      return user.phones ?? []
    },
    // One number: a list ("+1555 0001, +1555 0002") or a line break could reach another phone.
    accepts: isOnePhoneNumber,
    normalize: normalizePhone,
    mask: maskPhone,
    // A text message has no subject line: the subject, then the text, on one line.
    async notify ({ user, destination, subject, text }) {
      await options.send({ to: destination, kind: 'notification', code: '', text: `${subject}: ${text.replace(/\s*\n+\s*/g, ' ')}`, user })
    },
    async deliver ({ user, destination, code, ttlMs, action, summary, smsText, locale }) {
      const ctx: SmsTextContext = {
        code,
        expiresInMinutes: Math.ceil(ttlMs / 60_000),
        user,
        locale,
        ...(action ? { action } : {}),
        ...(summary === undefined ? {} : { summary })
      }
      await options.send({ to: destination, kind: 'code', code, text: (smsText ?? options.text ?? defaultText)(ctx), user })
    }
  }
}
