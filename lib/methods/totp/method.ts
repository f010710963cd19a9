// Authenticator apps (RFC 6238). The app keeps each user's secret and gives it on demand; the plugin
// checks the code with one step of drift and accepts each time step once per user, and no earlier
// step after it, through the store so it holds across instances.
import { stateKey } from '../../core/fail-closed.js'
import { FST_STEP_UP_CODE_INVALID } from '../../errors.js'
import { oneFieldBody, type CheckResult, type ModuleOf } from '../method.js'
import type { ResolvedTotp } from './options.js'
import { matchTotp, type TotpSettings } from './otp.js'

/** RFC 8176: a one-time password. */
export const TOTP_AMR = ['otp'] as const

/** Where the user's last accepted time step is kept: one per user, whichever secret it came from. */
export function totpStepKey (userId: string): string {
  return stateKey('totp', userId)
}

/**
 * The time step an accepted code must raise in the store (see `totpStepKey`), kept while the step
 * could still be presented: the step itself plus the drift either side.
 */
export function totpStepOnce (userId: string, step: number, settings: TotpSettings): { key: string, value: number, ttlMs: number } {
  return { key: totpStepKey(userId), value: step, ttlMs: 3 * settings.period * 1000 }
}

/** Checks a code against one secret (none: wrong); the factor storage checks each of a user's secrets with it. */
export async function checkTotpCode (userId: string, secret: string | null | undefined, code: string, nowMs: number, settings: TotpSettings): Promise<CheckResult> {
  const step = secret ? await matchTotp(secret, code, nowMs, settings) : null
  return step === null ? { ok: false } : { ok: true, once: totpStepOnce(userId, step, settings) }
}

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
      return checkTotpCode(user.id, await options.getSecret(user), body.code as string, nowMs, settings)
    },
    wrong: () => new FST_STEP_UP_CODE_INVALID()
  }
}
