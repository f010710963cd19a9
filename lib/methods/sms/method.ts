// SMS one-time codes. The plugin owns the code (generation, HMAC, expiry, attempts, cooldown,
// lockout); the app owns the gateway and gives it as a function.
import { isOnePhoneNumber } from '../../address.js'
import { maskPhone, normalizePhone } from '../../mask.js'
import type { ModuleOf } from '../method.js'
import type { SmsOptions } from './options.js'

/** RFC 8176: `sms` (confirmation by text message) and `otp`. */
export const SMS_AMR = ['sms', 'otp'] as const

function defaultText ({ code, expiresInMinutes }: { code: string, expiresInMinutes: number }): string {
  return `Your verification code is ${code}. It expires in ${expiresInMinutes} min. Do not share it.`
}

export function createSmsChannel (options: SmsOptions): ModuleOf<'sms'> {
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
    async deliver ({ user, destination, code, ttlMs, smsText }) {
      const ctx = { code, expiresInMinutes: Math.ceil(ttlMs / 60_000), user }
      await options.send({ to: destination, code, text: (smsText ?? options.text ?? defaultText)(ctx), user })
    }
  }
}
