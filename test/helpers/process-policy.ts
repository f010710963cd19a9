// What test/helpers/process-app.ts runs with and test/redis-processes.test.ts predicts from: one
// place, so the app processes and the test's model of them cannot disagree.

export const PROCESS_APP_POLICY = {
  users: ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9', 'u10', 'u11'],
  /** Guesses per challenge (codes.maxAttempts). */
  maxAttempts: 3,
  /** Wrong answers per user in `lockoutMs` (lockout.maxFailures); the one that reaches it locks. */
  maxFailures: 5,
  /** lockout.window and lockout.duration alike. */
  lockoutMs: 15 * 60_000,
  codeTtlMs: 5 * 60_000,
  tokenTtlMs: 5 * 60_000
} as const

/** A user's two verified addresses. */
export function addressesOf (user: string): [string, string] {
  return [`${user}@example.com`, `${user}.alt@example.com`]
}
