// Password re-entry. The app checks the password (it owns the hash); a knowledge factor, so its
// successes count toward `knowledgeLimit` and its failures toward the lockout, as every method's do.
import { FST_STEP_UP_CREDENTIAL_INVALID } from '../../errors.js'
import { oneFieldBody, type ModuleOf } from '../method.js'
import type { PasswordOptions } from './options.js'

export const PASSWORD_AMR = ['pwd'] as const

export function createPasswordMethod (options: PasswordOptions): ModuleOf<'password'> {
  return {
    kind: 'check',
    method: 'password',
    amr: PASSWORD_AMR,
    knowledge: true,
    body: oneFieldBody('password', { type: 'string', minLength: 1, maxLength: 1024 }),
    // Most users have a password; one who signed in only through a provider may not.
    async available (user) {
      return user.factors?.password === false ? undefined : {}
    },
    async check (user, body) {
      return { ok: await options.verify(user, body.password as string) === true }
    },
    wrong: () => new FST_STEP_UP_CREDENTIAL_INVALID('password')
  }
}
