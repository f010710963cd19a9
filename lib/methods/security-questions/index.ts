import type { MethodDescriptor } from '../method.js'
import { createSecurityQuestionsMethod } from './method.js'
import { resolveSecurityQuestionsOptions, type SecurityQuestionsOption, type SecurityQuestionsOptions } from './options.js'

export const securityQuestions: MethodDescriptor<'security-questions', SecurityQuestionsOption, SecurityQuestionsOptions> = {
  name: 'security-questions',
  option: 'securityQuestions',
  resolve: resolveSecurityQuestionsOptions,
  create: createSecurityQuestionsMethod
}
