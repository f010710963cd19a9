// Authenticator apps (RFC 6238). The app keeps each user's secret and gives it on demand; the plugin
// checks the code with one step of drift and accepts each time step once per user, and no earlier
// step after it, through the store so it holds across instances.
import { stateKey } from '../../core/fail-closed.js'
import { FST_STEP_UP_CODE_INVALID } from '../../errors.js'
import { oneFieldBody, type ModuleOf } from '../method.js'
import type { ResolvedTotp } from './options.js'
import { matchTotp } from './otp.js'

/** RFC 8176: a one-time password. */
export const TOTP_AMR = ['otp'] as const

export function createTotpMethod ({ options, settings }: ResolvedTotp): ModuleOf<'totp'> {
  return {
    kind: 'check',
    method: 'totp',
    amr: TOTP_AMR,
    body: oneFieldBody('code', { type: 'string', pattern: '^[0-9]{6,8}$' }),
    async available (user) {
      return user.factors?.totp === true ? {} : undefined
    },
    async check (user, body, nowMs) {
      const secret = await options.getSecret(user)
      const step = secret ? await matchTotp(secret, body.code as string, nowMs, settings) : null
      if (step === null) return { ok: false }
      // Kept while the step could still be presented: the step itself plus the drift either side.
      return { ok: true, once: { key: stateKey('totp', user.id), value: step, ttlMs: 3 * settings.period * 1000 } }
    },
    wrong: () => new FST_STEP_UP_CODE_INVALID()
  }
}
