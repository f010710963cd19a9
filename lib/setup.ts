// What every adapter builds from the options: the engine with its methods, and what to release on close.
import { StepUpEngine } from './core/engine.js'
import { FST_STEP_UP_OPTION_INVALID } from './errors.js'
import { FactorService } from './factors/service.js'
import type { MethodContext } from './methods/method.js'
import { METHOD_OPTION_KEYS } from './methods/registry.js'
import { requireInstalled } from './optional.js'
import { resolveOptions, type ResolvedOptions } from './options.js'
import type { StepUpOptions } from './types.js'

export interface StepUpSetup {
  options: ResolvedOptions
  engine: StepUpEngine
  /** Releases what the setup opened (a mail transport it created). */
  close (): void
}

export function setUpStepUp<Request> (given: StepUpOptions<Request>): StepUpSetup {
  const options = resolveOptions(given)
  if (options.methods.length === 0) {
    const keys = METHOD_OPTION_KEYS.slice(0, -1).join(', ')
    throw new FST_STEP_UP_OPTION_INVALID('methods', `must include at least one: set ${keys} or ${METHOD_OPTION_KEYS.at(-1)}`)
  }
  const releases: Array<() => void> = []
  const context: MethodContext = { options, onClose: (release) => releases.push(release) }
  // In the registry's order, which is the order of the methods list: codes first, then the rest.
  const methods = options.methods.map((method) => method.create(context))
  const engine = new StepUpEngine(options, methods)
  if (options.factors) {
    // The enrollment reply draws the QR code: fail at startup, not at a user's first enrollment.
    if (options.factors.totp) requireInstalled({ name: 'qrcode', need: 'qrcode to draw the enrollment QR code of factors.totp' })
    engine.factors = new FactorService(engine, options, options.factors)
  }
  return {
    options,
    engine,
    close () {
      for (const release of releases) release()
    }
  }
}
