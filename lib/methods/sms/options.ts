// The `sms` option: the app's gateway, as a function, and the text of the message.
import { keysOf } from '../../option-keys.js'
import type { StepUpUser } from '../../types.js'
import type { SmsTextContext } from '../method.js'
import { checkMethod, codeMode, optionalFunction } from '../option-checks.js'

export interface SmsMessage {
  /** The phone number, as the profile gives it. */
  to: string
  /** `'code'`: a one-time code. `'notification'`: a security notification, which carries no code. */
  kind: 'code' | 'notification'
  /** The code, for gateways that template the text themselves (`''` in a notification). */
  code: string
  /** The text to send. */
  text: string
  user: StepUpUser
}

export interface SmsOptions {
  /** `'profile'` (default): any verified phone. `'mfa'`: only users with `factors.sms` enrolled. */
  mode?: 'profile' | 'mfa'
  /** Sends one text message through the app's gateway. Reject when the gateway refuses. */
  send: (message: SmsMessage) => Promise<void>
  /**
   * The text of the message. For a step-up for an action, `ctx.summary` is what the user approves:
   * put it in the text (the default text does), so the person sees what the code is for.
   */
  text?: (ctx: SmsTextContext) => string
}

/** The plugin option that turns SMS codes on. */
export interface SmsOption {
  /** SMS one-time codes through the app's gateway. */
  sms?: SmsOptions | false
}

const SMS_KEYS = keysOf<SmsOptions>({ mode: true, send: true, text: true })

export function resolveSmsOptions (value: SmsOptions | false | undefined): SmsOptions | undefined {
  const sms = checkMethod('sms', value, SMS_KEYS, ['send'])
  if (sms === undefined) return undefined
  optionalFunction('sms.text', sms.text)
  return { ...sms, mode: codeMode('sms', sms.mode) }
}
