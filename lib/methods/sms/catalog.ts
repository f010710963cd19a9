// SMS codes, as a client sees them: sent to a verified phone, named by `phone` (or `destinationId`).
// Imports nothing: the browser client's types read this file (through ../catalog.generated.ts), and
// scripts/generate-methods.ts runs it to place the method (npm run generate:methods).

/** This method in the catalog: its place in the methods list (lowest first), its kind, and the field that names a destination by its value. */
export const entry = { position: 20, kind: 'otp', field: 'phone' } as const
