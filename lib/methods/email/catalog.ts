// Email codes, as a client sees them: sent to a verified address, named by `email` (or `destinationId`).
// Imports nothing: the browser client's types read this file (through ../catalog.generated.ts), and
// scripts/generate-methods.ts runs it to place the method (npm run generate:methods).

/** This method in the catalog: its place in the methods list (lowest first), its kind, and the field that names a destination by its value. */
export const entry = { position: 10, kind: 'otp', field: 'email' } as const
