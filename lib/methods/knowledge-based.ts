// Knowledge-based methods (security questions) are weak by nature: what they ask, people close to
// the user know, and much of it is public. They stay for compatibility's sake, but never reach a
// level above the weakest, and the app hears at startup that they are on.
import type { ResolvedLevel } from '../core/policy.js'
import { FST_STEP_UP_OPTION_INVALID } from '../errors.js'
import type { StepUpMethod } from './catalog.js'
import type { StepUpMethodModule } from './method.js'

export function knowledgeBasedMethods (modules: readonly StepUpMethodModule[]): StepUpMethod[] {
  return modules.filter((module) => module.kind === 'check' && module.knowledgeBased === true).map((module) => module.method)
}

/** Refuses a level above the weakest that lists a knowledge-based method. */
export function checkKnowledgeBasedLevels (levels: readonly ResolvedLevel[], knowledgeBased: readonly StepUpMethod[]): void {
  for (const level of levels.slice(1)) {
    const method = level.methods.find((name) => knowledgeBased.includes(name))
    if (method !== undefined) {
      throw new FST_STEP_UP_OPTION_INVALID(`levels.${level.name}.methods`,
        `lists ${method}, which is knowledge-based (amr "kba"): it may reach only the weakest level, "${levels[0]!.name}"`)
    }
  }
}

/** The startup warning for a knowledge-based method that is on. */
export function knowledgeBasedWarning (method: StepUpMethod): string {
  return `step-up: ${method} is on. It is knowledge-based (amr "kba"): the answers are often known to others or public, ` +
    'so it reaches only the weakest level, and OWASP ASVS 5.0 6.4.2 forbids it. Prefer passkeys or an authenticator app.'
}
