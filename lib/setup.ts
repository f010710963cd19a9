// What every adapter builds from the options: the engine with its methods, what to release on
// close, the compliance report of the configured profiles, and what to log at startup.
import { notificationChannels } from './notify/channels.js'
import { Notifier } from './notify/notifier.js'
import { StepUpEngine } from './core/engine.js'
import { FST_STEP_UP_OPTION_INVALID } from './errors.js'
import { FactorService } from './factors/service.js'
import { checkKnowledgeBasedLevels, knowledgeBasedMethods, knowledgeBasedWarning } from './methods/knowledge-based.js'
import type { MethodContext } from './methods/method.js'
import { METHOD_OPTION_KEYS } from './methods/registry.js'
import { requireInstalled } from './optional.js'
import { resolveOptions, type ResolvedOptions } from './options.js'
import { withProfileDefaults } from './profiles/defaults.js'
import { complianceLine, complianceReport, type ComplianceEntry } from './profiles/report.js'
import type { StepUpOptions } from './types.js'

/** A line to log once at startup, through the app's logger. */
export interface StartupNotice {
  level: 'info' | 'warn'
  message: string
  details: object
}

export interface StepUpSetup {
  options: ResolvedOptions
  engine: StepUpEngine
  /** Each requirement of the configured profiles, met or not (empty without a profile). */
  compliance: ComplianceEntry[]
  /** What the adapter logs once it is set up. */
  notices: StartupNotice[]
  /**
   * Waits for the notifications in flight (each bounded by `notifications.timeout`), then releases
   * what the setup opened (a mail transport it created, which they may still be using).
   */
  close (): Promise<void>
}

export function setUpStepUp<Request> (given: StepUpOptions<Request>): StepUpSetup {
  const options = resolveOptions(withProfileDefaults(given))
  if (given.complianceReport !== undefined && typeof given.complianceReport !== 'boolean') {
    throw new FST_STEP_UP_OPTION_INVALID('complianceReport', 'must be true or false')
  }
  if (options.methods.length === 0) {
    const keys = METHOD_OPTION_KEYS.slice(0, -1).join(', ')
    throw new FST_STEP_UP_OPTION_INVALID('methods', `must include at least one: set ${keys} or ${METHOD_OPTION_KEYS.at(-1)}`)
  }
  const releases: Array<() => void> = []
  const context: MethodContext = { options, onClose: (release) => releases.push(release) }
  // In the registry's order, which is the order of the methods list: codes first, then the rest.
  const methods = options.methods.map((method) => method.create(context))
  const engine = new StepUpEngine(options, methods)
  if (options.notifications) {
    engine.notifier = new Notifier(options.notifications, {
      store: engine.store,
      clock: options.clock,
      texts: options.texts,
      channels: notificationChannels(methods),
      emit: (event, audit) => engine.emit(audit, event)
    })
  }
  const knowledgeBased = knowledgeBasedMethods(methods)
  checkKnowledgeBasedLevels(options.levels, knowledgeBased)
  const compliance = complianceReport({
    options,
    passkeyUserVerification: given.passkey ? given.passkey.userVerification ?? 'required' : options.factors?.passkey?.resolved.userVerification
  })
  if (options.factors) {
    // The enrollment reply draws the QR code: fail at startup, not at a user's first enrollment.
    if (options.factors.totp) requireInstalled({ name: 'qrcode', need: 'qrcode to draw the enrollment QR code of factors.totp' })
    engine.factors = new FactorService(engine, options, options.factors)
  }
  const notices: StartupNotice[] = knowledgeBased.map((method) => ({ level: 'warn', message: knowledgeBasedWarning(method), details: { stepUp: { method } } }))
  if (given.complianceReport === true) notices.push({ level: 'info', message: complianceLine(compliance), details: { stepUp: { compliance } } })
  return {
    options,
    engine,
    compliance,
    notices,
    async close () {
      await engine.notifier?.settled()
      for (const release of releases) release()
    }
  }
}
