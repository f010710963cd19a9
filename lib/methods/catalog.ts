// Every step-up method as a client sees it: its name (also its route segment, `/step-up/<name>/...`),
// its kind, and what the client sends. Types only, importing nothing: the browser helper
// (lib/client) reads this file too, and must load nothing of the server. The registry
// (registry.ts) holds a descriptor for each name here, building a module of the same kind; the
// compiler checks both ways.

/**
 * - `otp`: a code is sent first (`POST /<name>/send`, then `/verify`), to the profile entry the
 *   client names in `field` (or by its `destinationId`).
 * - `check`: the credential comes in one request, `POST /<name>/verify` with `body`.
 * - `ceremony`: the client answers the server's challenge with a browser API (`/options`, then `/verify`).
 */
export interface StepUpMethodCatalog {
  email: { kind: 'otp', field: 'email' }
  sms: { kind: 'otp', field: 'phone' }
  totp: { kind: 'check', body: { code: string } }
  'backup-code': { kind: 'check', body: { code: string } }
  password: { kind: 'check', body: { password: string } }
  pin: { kind: 'check', body: { pin: string } }
  'security-questions': { kind: 'check', body: { answers: Array<{ questionId: string, answer: string }> } }
  passkey: { kind: 'ceremony' }
}

/** Step-up methods: the name of each is also its route segment (`/step-up/<method>/...`). */
export type StepUpMethod = keyof StepUpMethodCatalog

export type MethodKind = StepUpMethodCatalog[StepUpMethod]['kind']

/** The methods of one kind. */
export type MethodsOfKind<Kind extends MethodKind> = {
  [Name in StepUpMethod]: StepUpMethodCatalog[Name]['kind'] extends Kind ? Name : never
}[StepUpMethod]
