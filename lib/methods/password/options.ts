// The `password` option: the app's check of the user's password.
import { keysOf } from '../../option-keys.js'
import type { StepUpUser } from '../../types.js'
import { checkMethod } from '../option-checks.js'

export interface PasswordOptions {
  /** True when `password` is the user's password (check it against your hash, in constant time). */
  verify: (user: StepUpUser, password: string) => boolean | Promise<boolean>
}

/** The plugin option that turns password re-entry on. */
export interface PasswordOption {
  /** Password re-entry. */
  password?: PasswordOptions | false
}

const PASSWORD_KEYS = keysOf<PasswordOptions>({ verify: true })

export function resolvePasswordOptions (value: PasswordOptions | false | undefined): PasswordOptions | undefined {
  return checkMethod('password', value, PASSWORD_KEYS, ['verify'])
}
