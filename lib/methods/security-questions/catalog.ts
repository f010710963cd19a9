// Security questions, as a client sees them: every answer in one request.
// Imports nothing: the browser client's types read this file (through ../catalog.generated.ts), and
// scripts/generate-methods.ts runs it to place the method (npm run generate:methods).

/** This method in the catalog: its place in the methods list (lowest first) and its kind. */
export const entry = { position: 70, kind: 'check' } as const

/** What the client sends to `POST /step-up/security-questions/verify`. */
export interface Body { answers: Array<{ questionId: string, answer: string }> }
