// The `totp` option: where the app keeps each user's secret, and the code's settings.
import { keysOf } from '../../option-keys.js'
import type { StepUpUser } from '../../types.js'
import { checkMethod, oneOf } from '../option-checks.js'
import { TOTP_ALGORITHMS, TOTP_DIGITS, withTotpDefaults, type TotpAlgorithm, type TotpSettings } from './otp.js'

export interface TotpOptions {
  /** The user's base32 secret, from the app's store (decrypt it here); null when there is none. */
  getSecret: (user: StepUpUser) => string | null | undefined | Promise<string | null | undefined>
  /** Default `'SHA1'`, which is what most authenticator apps support. */
  algorithm?: TotpAlgorithm
  /** Default 6. */
  digits?: 6 | 8
}

/** The plugin option that turns authenticator apps on. */
export interface TotpOption {
  /** Authenticator apps (TOTP). */
  totp?: TotpOptions | false
}

export interface ResolvedTotp {
  /** As given, so `getSecret` is called on it. */
  options: TotpOptions
  /** Every setting, defaults filled in (the period is always the default 30 seconds). */
  settings: TotpSettings
}

const TOTP_KEYS = keysOf<TotpOptions>({ getSecret: true, algorithm: true, digits: true })

export function resolveTotpOptions (value: TotpOptions | false | undefined): ResolvedTotp | undefined {
  const totp = checkMethod('totp', value, TOTP_KEYS, ['getSecret'])
  if (totp === undefined) return undefined
  oneOf('totp.algorithm', totp.algorithm, TOTP_ALGORITHMS)
  oneOf('totp.digits', totp.digits, TOTP_DIGITS)
  return { options: totp, settings: withTotpDefaults({ algorithm: totp.algorithm, digits: totp.digits }) }
}
