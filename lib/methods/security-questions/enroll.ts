// Hashing a security answer for the app to store, and checking one against that hash: the default
// check of the `securityQuestions` option. Answers are normalized first.
import { acceptable, checkForHashing, hashSecret, verifySecret } from '../secret-hash.js'

/**
 * Answers are compared normalized: Unicode NFKC, trimmed, inner whitespace collapsed to one space,
 * lower case. People retype an answer months later on another keyboard; only the words should count.
 */
export function normalizeAnswer (answer: string): string {
  // NFKC first: it turns full-width letters and odd spaces (U+3000) into the plain ones below.
  return answer.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase()
}

export async function hashAnswer (answer: string): Promise<string> {
  // The cap applies to the raw input, before normalizing does any work on it.
  checkForHashing(answer, 'answer')
  const normalized = normalizeAnswer(answer)
  if (normalized === '') throw new RangeError('The answer must contain more than whitespace')
  return await hashSecret(normalized)
}

export async function verifyAnswer (answer: string, stored: string): Promise<boolean> {
  if (!acceptable(answer)) return false
  const normalized = normalizeAnswer(answer)
  if (normalized === '') return false
  return await verifySecret(normalized, stored)
}
