// Knowledge factors: the password, a PIN, security questions. The app verifies (it owns the hashes);
// the plugin counts each wrong answer toward the same per-user lockout as codes, and each right one
// toward `knowledgeLimit`: a known password must not be an unlimited token mint.
import { FST_STEP_UP_CREDENTIAL_INVALID } from '../errors.js'
import { verifyAnswer } from '../factors/secret-hash.js'
import type { PasswordOptions, PinOptions, SecurityQuestionsOptions, StepUpUser } from '../types.js'
import type { CheckMethod } from './method.js'

export const PASSWORD_AMR = ['pwd'] as const
export const PIN_AMR = ['pin'] as const
/** RFC 8176 `kba`: knowledge-based authentication. */
export const SECURITY_QUESTIONS_AMR = ['kba'] as const

export function createPasswordMethod (options: PasswordOptions): CheckMethod {
  return {
    kind: 'check',
    method: 'password',
    amr: PASSWORD_AMR,
    knowledge: true,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['password'],
      properties: { password: { type: 'string', minLength: 1, maxLength: 1024 } }
    },
    // Most users have a password; one who signed in only through a provider may not.
    async available (user) {
      return user.factors?.password === false ? undefined : {}
    },
    async check (user, body) {
      return { ok: await options.verify(user, body.password as string) === true }
    },
    wrong: () => new FST_STEP_UP_CREDENTIAL_INVALID('password')
  }
}

export function createPinMethod (options: PinOptions): CheckMethod {
  return {
    kind: 'check',
    method: 'pin',
    amr: PIN_AMR,
    knowledge: true,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['pin'],
      properties: { pin: { type: 'string', pattern: '^[0-9]{4,12}$' } }
    },
    async available (user) {
      return user.factors?.pin === true ? {} : undefined
    },
    async check (user, body) {
      return { ok: await options.verify(user, body.pin as string) === true }
    },
    wrong: () => new FST_STEP_UP_CREDENTIAL_INVALID('PIN')
  }
}

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

export function createSecurityQuestionsMethod (options: SecurityQuestionsOptions): CheckMethod {
  const verify = options.verifyAnswer ??
    (async (_user: StepUpUser, question: { answerHash?: string }, answer: string) =>
      question.answerHash !== undefined && await verifyAnswer(answer, question.answerHash))
  return {
    kind: 'check',
    method: 'security-questions',
    amr: SECURITY_QUESTIONS_AMR,
    knowledge: true,
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['answers'],
      properties: {
        answers: answersSchema('questionId')
      }
    },
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
