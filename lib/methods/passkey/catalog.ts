// Passkeys, as a client sees them: a WebAuthn ceremony (`/options`, then `/verify`).
// Imports nothing: the browser client's types read this file (through ../catalog.generated.ts), and
// scripts/generate-methods.ts runs it to place the method (npm run generate:methods).

/** This method in the catalog: its place in the methods list (lowest first) and its kind. */
export const entry = { position: 80, kind: 'ceremony' } as const
