export { default, fastifyStepUp } from './fastify/plugin.js'
export type { FastifyStepUpOptions, StepUpService, VerifyTokenContext } from './fastify/plugin.js'
export * from './common.js'
