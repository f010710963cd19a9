// What every adapter builds from the options: the engine with its methods, and the sender to close.
import { checkKeys } from './option-keys.js'
import { StepUpEngine } from './core/engine.js'
import { FST_STEP_UP_OPTION_INVALID } from './errors.js'
import { createBackupCodeMethod } from './methods/backup-code.js'
import { createEmailChannel } from './methods/email.js'
import { createPasswordMethod, createPinMethod, createSecurityQuestionsMethod } from './methods/knowledge.js'
import type { StepUpMethodModule } from './methods/method.js'
import { createPasskeyMethod } from './methods/passkey.js'
import { createSmsChannel } from './methods/sms.js'
import { createTotpMethod } from './methods/totp.js'
import { withTriggerText } from './compat/loginradius/sms-template.js'
import { resolveOptions, type ResolvedOptions } from './options.js'
import { createEmailSender } from './senders/email.js'
import type { StepUpClaims, StepUpOptions, StepUpRequirement, StepUpUser } from './types.js'

export interface StepUpSetup {
  options: ResolvedOptions
  engine: StepUpEngine
  /** Releases what the setup opened (a mail transport it created). */
  close (): void
}

/** The token check for code outside a route: any user, session, requirement and key fields. */
export function verifyTokenWith (engine: StepUpEngine) {
  return async (token: string, context: { user: StepUpUser, session?: string, requirement?: StepUpRequirement, data?: unknown }): Promise<StepUpClaims> => {
    // A misspelled `session` must not fall back to the user's own session.
    checkKeys('verifyToken context', context, ['user', 'session', 'requirement', 'data'])
    // Key fields given here bind the check to them, as `actionData` does for a route.
    const given = context.data === undefined ? context.requirement : { ...context.requirement, actionData: () => context.data }
    const requirement = engine.resolveRequirement(given)
    const user = context.session === undefined ? context.user : { ...context.user, sessionId: context.session }
    return engine.verifyToken(token, user, requirement, { data: requirement.actionData?.(undefined) })
  }
}

export function setUpStepUp<Request> (given: StepUpOptions<Request>): StepUpSetup {
  const options = resolveOptions(given)
  const sender = options.email ? createEmailSender(options.email) : undefined
  // The order here is the order of the methods list: codes first, then the rest.
  const methods: StepUpMethodModule[] = [
    options.email && sender && createEmailChannel(options.email, sender),
    options.sms && createSmsChannel(withTriggerText(options.sms, options.compat.loginradius, options.codeTtlMs)),
    options.totp && createTotpMethod(options.totp),
    options.backupCodes && createBackupCodeMethod(options.backupCodes),
    options.password && createPasswordMethod(options.password),
    options.pin && createPinMethod(options.pin),
    options.securityQuestions && createSecurityQuestionsMethod(options.securityQuestions),
    options.passkey && createPasskeyMethod(options.passkey)
  ].filter((method): method is StepUpMethodModule => Boolean(method))
  if (methods.length === 0) {
    throw new FST_STEP_UP_OPTION_INVALID('methods', 'must include at least one: set email, sms, totp, backupCodes, password, pin, securityQuestions or passkey')
  }
  return {
    options,
    engine: new StepUpEngine(options, methods),
    close () {
      sender?.close()
    }
  }
}
