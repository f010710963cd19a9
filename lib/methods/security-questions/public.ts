// What of this method an app may use: exported from the package by lib/common.ts (one line per method).
export { SECURITY_QUESTIONS_AMR } from './method.js'
export type { SecurityQuestion, SecurityQuestionsOptions } from './options.js'
export { hashAnswer, normalizeAnswer, verifyAnswer } from './enroll.js'
