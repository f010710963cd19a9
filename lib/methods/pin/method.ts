// A PIN. The app checks it (see hashPin and verifyPin); a knowledge factor, so its successes count
// toward `knowledgeLimit` and its failures toward the lockout, as every method's do.
import { FST_STEP_UP_CREDENTIAL_INVALID } from '../../errors.js'
import { oneFieldBody, type ModuleOf } from '../method.js'
import type { PinOptions } from './options.js'

export const PIN_AMR = ['pin'] as const

export function createPinMethod (options: PinOptions): ModuleOf<'pin'> {
  return {
    kind: 'check',
    method: 'pin',
    amr: PIN_AMR,
    knowledge: true,
    body: oneFieldBody('pin', { type: 'string', pattern: '^[0-9]{4,12}$' }),
    async available (user) {
      return user.factors?.pin === true ? {} : undefined
    },
    async check (user, body) {
      return { ok: await options.verify(user, body.pin as string) === true }
    },
    wrong: () => new FST_STEP_UP_CREDENTIAL_INVALID('PIN')
  }
}
