// The `securityQuestions` option: the user's questions, and optionally the app's own answer check.
import { keysOf } from '../../option-keys.js'
import type { StepUpUser } from '../../types.js'
import { checkMethod, optionalFunction } from '../option-checks.js'

export interface SecurityQuestion {
  id: string
  question: string
  /** `hashAnswer(answer)`; needed unless `verifyAnswer` is given. */
  answerHash?: string
}

export interface SecurityQuestionsOptions {
  /** The user's questions (all must be answered). */
  getQuestions: (user: StepUpUser) => readonly SecurityQuestion[] | Promise<readonly SecurityQuestion[]>
  /** Checks one answer. Default: `verifyAnswer(answer, question.answerHash)`, which normalizes case and spaces. */
  verifyAnswer?: (user: StepUpUser, question: SecurityQuestion, answer: string) => boolean | Promise<boolean>
}

/** The plugin option that turns security questions on. */
export interface SecurityQuestionsOption {
  /** Security questions. */
  securityQuestions?: SecurityQuestionsOptions | false
}

const SECURITY_QUESTIONS_KEYS = keysOf<SecurityQuestionsOptions>({ getQuestions: true, verifyAnswer: true })

export function resolveSecurityQuestionsOptions (value: SecurityQuestionsOptions | false | undefined): SecurityQuestionsOptions | undefined {
  const questions = checkMethod('securityQuestions', value, SECURITY_QUESTIONS_KEYS, ['getQuestions'])
  optionalFunction('securityQuestions.verifyAnswer', questions?.verifyAnswer)
  return questions
}
