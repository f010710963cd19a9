export { default, fastifyStepUp } from './fastify/plugin.js'
export type { FastifyStepUpOptions, StepUpService } from './fastify/plugin.js'
export * from './errors.js'
export { MemoryStore } from './stores/memory.js'
export type { MemoryStoreOptions } from './stores/memory.js'
export type { ChallengeRecord, Clock, StepUpStore } from './stores/store.js'
export type { Duration } from './duration.js'
export { EMAIL_AMR } from './methods/email.js'
export { maskEmail } from './mask.js'
export type {
  CodeOptions,
  EmailOptions,
  EmailTemplateContext,
  LockoutOptions,
  SendLimitOptions,
  StepUpClaims,
  StepUpFactors,
  StepUpMethod,
  StepUpOptions,
  StepUpRequirement,
  StepUpTypes,
  StepUpUser,
  StepUpUserBase
} from './types.js'
