import { createEmailSender } from '../../senders/email.js'
import type { MethodDescriptor } from '../method.js'
import { createEmailChannel } from './method.js'
import { resolveEmailOptions, type EmailOption, type EmailOptions } from './options.js'

export const email: MethodDescriptor<'email', EmailOption, EmailOptions> = {
  name: 'email',
  option: 'email',
  label: 'an email code',
  strength: 1,
  verifyErrors: [],
  resolve: resolveEmailOptions,
  create (resolved, context) {
    const sender = createEmailSender(resolved, context.options.texts)
    context.onClose(() => sender.close())
    return createEmailChannel(resolved, sender)
  }
}
