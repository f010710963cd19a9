import type { MethodDescriptor } from '../method.js'
import { createSmsChannel } from './method.js'
import { resolveSmsOptions, type SmsOption, type SmsOptions } from './options.js'

export const sms: MethodDescriptor<'sms', SmsOption, SmsOptions> = {
  name: 'sms',
  option: 'sms',
  label: 'an SMS code',
  strength: 1,
  verifyErrors: [],
  resolve: resolveSmsOptions,
  create: (resolved, context) => createSmsChannel(resolved, context.options.texts)
}
