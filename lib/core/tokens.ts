// Second-factor tokens: short-lived JWTs signed with jose. Freshness rides on `auth_time`, which is
// set once when the step-up happens and never moved.
import { SignJWT, errors, jwtVerify } from 'jose'
import { FST_STEP_UP_TOKEN_EXPIRED, FST_STEP_UP_TOKEN_INVALID } from '../errors.js'
import type { Clock } from '../stores/store.js'
import type { StepUpClaims, StepUpUser } from '../types.js'
import { randomId } from './secrets.js'

/** A distinct `typ`, so no other JWT signed with a shared key can pass as a step-up token. */
const TOKEN_TYPE = 'step-up+jwt'
/** Far longer than any token this plugin issues; longer input is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 4096

export interface TokenServiceOptions {
  key: Uint8Array
  issuer: string
  audience: string
  ttlMs: number
  clock: Clock
}

export interface IssuedToken {
  token: string
  /** Seconds until it expires. */
  expiresIn: number
  claims: StepUpClaims
}

export class TokenService {
  readonly #options: TokenServiceOptions

  constructor (options: TokenServiceOptions) {
    this.#options = options
  }

  async issue (user: StepUpUser, amr: readonly string[]): Promise<IssuedToken> {
    const { key, issuer, audience, ttlMs, clock } = this.#options
    const now = Math.floor(clock.now() / 1000)
    const expiresIn = Math.max(1, Math.floor(ttlMs / 1000))
    const claims: StepUpClaims = {
      iss: issuer,
      aud: audience,
      sub: user.id,
      sid: user.sessionId,
      jti: randomId(),
      iat: now,
      exp: now + expiresIn,
      auth_time: now,
      amr: [...amr]
    }
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: TOKEN_TYPE })
      .sign(key)
    return { token, expiresIn, claims }
  }

  /** Verifies signature, type, issuer, audience and lifetime; throws a step-up error otherwise. */
  async verify (token: string): Promise<StepUpClaims> {
    const { key, issuer, audience, clock } = this.#options
    if (token.length > MAX_TOKEN_LENGTH) throw new FST_STEP_UP_TOKEN_INVALID()
    let payload: Record<string, unknown>
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        typ: TOKEN_TYPE,
        issuer,
        audience,
        currentDate: new Date(clock.now()),
        requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp', 'auth_time', 'amr']
      }))
    } catch (err) {
      throw err instanceof errors.JWTExpired ? new FST_STEP_UP_TOKEN_EXPIRED() : new FST_STEP_UP_TOKEN_INVALID()
    }
    if (!hasClaimTypes(payload)) throw new FST_STEP_UP_TOKEN_INVALID()
    return payload
  }
}

// jose checks the registered claims it knows; these are ours to check.
function hasClaimTypes (payload: Record<string, unknown>): payload is Record<string, unknown> & StepUpClaims {
  return typeof payload.sid === 'string' &&
    typeof payload.jti === 'string' &&
    typeof payload.auth_time === 'number' &&
    Array.isArray(payload.amr) && payload.amr.every((value) => typeof value === 'string')
}
