// Security questions: every question the user has, answered at once. The app keeps the questions
// and (unless it checks answers itself) their hashes; a knowledge factor, so its successes count
// toward `knowledgeLimit` and its failures toward the lockout, as every method's do. Knowledge-based
// too (the answers are often known to others or public): kept for LoginRadius compatibility, and
// held to the weakest level (lib/methods/knowledge-based.ts).
import { FST_STEP_UP_CREDENTIAL_INVALID } from '../../errors.js'
import type { StepUpUser } from '../../types.js'
import { oneFieldBody, type ModuleOf } from '../method.js'
import { verifyAnswer } from './enroll.js'
import type { SecurityQuestionsOptions } from './options.js'

/** RFC 8176 `kba`: knowledge-based authentication. */
export const SECURITY_QUESTIONS_AMR = ['kba'] as const

/**
 * A list of answers, each `{ <questionKey>: id, answer }`: `questionId` in the plugin's own body,
 * `questionid` in the LoginRadius-compatible one (whose keys are read in lower case).
 */
export function answersSchema (questionKey: string): object {
  return {
    type: 'array',
    minItems: 1,
    maxItems: 10,
    items: {
      type: 'object',
      additionalProperties: false,
      required: [questionKey, 'answer'],
      properties: {
        [questionKey]: { type: 'string', minLength: 1, maxLength: 64 },
        answer: { type: 'string', minLength: 1, maxLength: 256 }
      }
    }
  }
}

type Answer = { questionId: string, answer: string }

export function createSecurityQuestionsMethod (options: SecurityQuestionsOptions): ModuleOf<'security-questions'> {
  const verify = options.verifyAnswer ??
    (async (_user: StepUpUser, question: { answerHash?: string }, answer: string) =>
      question.answerHash !== undefined && await verifyAnswer(answer, question.answerHash))
  return {
    kind: 'check',
    method: 'security-questions',
    amr: SECURITY_QUESTIONS_AMR,
    knowledge: true,
    knowledgeBased: true,
    body: oneFieldBody('answers', answersSchema('questionId')),
    async available (user) {
      const questions = await options.getQuestions(user)
      return questions.length > 0 ? { questions: questions.map(({ id, question }) => ({ id, question })) } : undefined
    },
    // Every question the user has must be answered, each once, and every answer must be right.
    async check (user, body) {
      const questions = await options.getQuestions(user)
      const answers = body.answers as Answer[]
      const ids = new Set(answers.map((a) => a.questionId))
      if (ids.size !== answers.length || ids.size !== questions.length) return { ok: false }
      for (const question of questions) {
        const given = answers.find((a) => a.questionId === question.id)
        if (!given || !await verify(user, question, given.answer)) return { ok: false }
      }
      return { ok: true }
    },
    wrong: () => new FST_STEP_UP_CREDENTIAL_INVALID('answers')
  }
}
