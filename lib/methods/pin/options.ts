// The `pin` option: the app's check of the user's PIN.
import { keysOf } from '../../option-keys.js'
import type { StepUpUser } from '../../types.js'
import { checkMethod } from '../option-checks.js'

export interface PinOptions {
  /** True when `pin` is the user's PIN (`verifyPin` checks it against a `hashPin` hash). */
  verify: (user: StepUpUser, pin: string) => boolean | Promise<boolean>
}

/** The plugin option that turns PINs on. */
export interface PinOption {
  /** A PIN. */
  pin?: PinOptions | false
}

const PIN_KEYS = keysOf<PinOptions>({ verify: true })

export function resolvePinOptions (value: PinOptions | false | undefined): PinOptions | undefined {
  return checkMethod('pin', value, PIN_KEYS, ['verify'])
}
