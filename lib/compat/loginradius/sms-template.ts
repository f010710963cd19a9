// The `smsTemplate` option: the text of the SMS code that the trigger call sends, chosen by the
// `smstemplate2fa` query parameter the client passes. The trigger marks its own call chain, and the
// app's gateway gets that text instead of the usual one; every other SMS is left as it was.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { SmsOptions } from '../../methods/sms/options.js'
import type { LoginRadiusCompatOptions } from '../../types.js'

const trigger = new AsyncLocalStorage<{ template: string | undefined }>()

/** Runs `send` as the trigger's SMS, under the template the client named (if any). */
export function asTriggerSms<T> (template: string | undefined, send: () => Promise<T>): Promise<T> {
  return trigger.run({ template }, send)
}

/** The SMS options with the compatible routes' text put in for the trigger's codes. */
export function withTriggerText (sms: SmsOptions, loginradius: LoginRadiusCompatOptions | undefined, codeTtlMs: number): SmsOptions {
  const smsTemplate = loginradius?.smsTemplate
  if (!smsTemplate) return sms
  const expiresInMinutes = Math.ceil(codeTtlMs / 60_000)
  return {
    ...sms,
    send (message) {
      const context = trigger.getStore()
      if (!context) return sms.send(message)
      const text = smsTemplate({ code: message.code, expiresInMinutes, user: message.user, template: context.template })
      return sms.send({ ...message, text })
    }
  }
}
