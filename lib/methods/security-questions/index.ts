import type { MethodDescriptor } from '../method.js'
import { createSecurityQuestionsMethod } from './method.js'
import { resolveSecurityQuestionsOptions, type SecurityQuestionsOption, type SecurityQuestionsOptions } from './options.js'

export const securityQuestions: MethodDescriptor<'security-questions', SecurityQuestionsOption, SecurityQuestionsOptions> = {
  name: 'security-questions',
  option: 'securityQuestions',
  label: 'security answers',
  strength: 1,
  verifyErrors: [],
  resolve: resolveSecurityQuestionsOptions,
  create: createSecurityQuestionsMethod
}
