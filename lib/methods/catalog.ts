// Every step-up method as a client sees it: its name (also its route segment, `/step-up/<name>/...`),
// its kind, and what the client sends. Types only: the browser helper (lib/client) reads this file
// too, and must load nothing of the server. Each method's entry is in its folder
// (lib/methods/<name>/catalog.ts, importing nothing); `npm run generate:methods` lists them in
// catalog.generated.ts, and the descriptors (lib/methods/<name>/index.ts) in registry.generated.ts,
// where the compiler holds the two to the same names and each module to its catalog kind.
import type { MethodCatalogEntries } from './catalog.generated.js'

/**
 * - `otp`: a code is sent first (`POST /<name>/send`, then `/verify`), to the profile entry the
 *   client names in `field` (or by its `destinationId`).
 * - `check`: the credential comes in one request, `POST /<name>/verify` with `body`.
 * - `ceremony`: the client answers the server's challenge with a browser API (`/options`, then `/verify`).
 */
export interface StepUpMethodCatalog extends MethodCatalogEntries {}

/** Step-up methods: the name of each is also its route segment (`/step-up/<method>/...`). */
export type StepUpMethod = keyof StepUpMethodCatalog

export type MethodKind = StepUpMethodCatalog[StepUpMethod]['kind']

/** The methods of one kind. */
export type MethodsOfKind<Kind extends MethodKind> = {
  [Name in StepUpMethod]: StepUpMethodCatalog[Name]['kind'] extends Kind ? Name : never
}[StepUpMethod]
