import { withTriggerText } from '../../compat/loginradius/sms-template.js'
import type { MethodDescriptor } from '../method.js'
import { createSmsChannel } from './method.js'
import { resolveSmsOptions, type SmsOption, type SmsOptions } from './options.js'

export const sms: MethodDescriptor<'sms', SmsOption, SmsOptions> = {
  name: 'sms',
  option: 'sms',
  resolve: resolveSmsOptions,
  // The LoginRadius-compatible trigger route sends its codes with its own text.
  create: (resolved, { options }) => createSmsChannel(withTriggerText(resolved, options.compat.loginradius, options.codeTtlMs))
}
