// What every adapter builds from the options: the engine with its methods, and the sender to close.
import { StepUpEngine } from './core/engine.js'
import { FST_STEP_UP_OPTION_INVALID } from './errors.js'
import { createEmailChannel } from './methods/email.js'
import type { OtpChannel } from './methods/method.js'
import { resolveOptions, type ResolvedOptions } from './options.js'
import { createEmailSender } from './senders/email.js'
import type { StepUpOptions } from './types.js'

export interface StepUpSetup {
  options: ResolvedOptions
  engine: StepUpEngine
  /** Releases what the setup opened (a mail transport it created). */
  close (): void
}

export function setUpStepUp<Request> (given: StepUpOptions<Request>): StepUpSetup {
  const options = resolveOptions(given)
  const channels: OtpChannel[] = []
  const sender = options.email ? createEmailSender(options.email) : undefined
  if (options.email && sender) channels.push(createEmailChannel(options.email, sender))
  if (channels.length === 0) {
    throw new FST_STEP_UP_OPTION_INVALID('email', 'must be set: enable at least one step-up method')
  }
  return {
    options,
    engine: new StepUpEngine(options, channels),
    close () {
      sender?.close()
    }
  }
}
