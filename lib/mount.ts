// What an adapter lends to routes mounted on it from another entry (fastify-step-up/loginradius):
// the engine's public calls, the app's getUser and the adapter's own body reading and logging,
// behind one symbol. Such routes reach the plugin through this handle only, so nothing of the
// plugin imports them, and they hold no rule of their own: every check stays the engine's. Neither
// framework's types are named here: each adapter's handle is in its own folder (fastify/mount.ts,
// express/mount.ts), so an app compiles with the types of the framework it installed only.
import type { StepUpEngine } from './core/engine.js'
import type { UserResolver } from './http/users.js'
import type { ResolvedOptions } from './options.js'
import type { StepUpUser } from './types.js'

/** The handle's key on `fastify.stepUp` and on what `createStepUp` returns. */
export const STEP_UP_MOUNT: unique symbol = Symbol.for('fastify-step-up.mount')

/** The engine calls mounted routes may make: the same ones the plugin's own routes make. */
export type MountedEngine = Pick<StepUpEngine,
  | 'methods'
  | 'enabledMethods'
  | 'availableMethods'
  | 'startChallenge'
  | 'verifyChallenge'
  | 'verifyCredential'
  | 'checkToken'
  | 'resolveRequirement'
  | 'deriveKey'>

export interface StepUpMount<Request extends object> {
  engine: MountedEngine
  /** The app's getUser, once per request. */
  users: UserResolver<Request>
  /** How long a code lives, in milliseconds (the `codes.ttl` option). */
  codeTtlMs: number
  /** The plugin's clock, in milliseconds. */
  now (): number
  /**
   * With factor management and its authenticator apps on: the session's pending authenticator app
   * to set up (the one already pending, else a new one), for the LoginRadius trigger's `QRCode` and
   * `ManualEntryCode`. Confirming it is a factor change like any other (`POST /factors/totp/confirm`).
   */
  pendingTotp?: (user: StepUpUser) => Promise<{ qrCode: string, secret: string }>
}

/** The parts every adapter's handle shares. */
export function mountOf<Request extends object> (engine: StepUpEngine, options: ResolvedOptions, users: UserResolver<Request>): StepUpMount<Request> {
  const { factors } = engine
  return {
    engine,
    users,
    codeTtlMs: options.codeTtlMs,
    now: () => options.clock.now(),
    ...(factors?.kinds.includes('totp') ? { pendingTotp: (user: StepUpUser) => factors.startTotp(user, true) } : {})
  }
}
