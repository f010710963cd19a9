// Second-factor tokens: short-lived JWTs signed with jose. Freshness rides on `auth_time`, which is
// set once when the step-up happens and never moved.
import type { KeyObject } from 'node:crypto'
import { SignJWT, errors, jwtVerify, type JWSHeaderParameters } from 'jose'
import { LRUCache } from 'lru-cache'
import { FST_STEP_UP_TOKEN_EXPIRED, FST_STEP_UP_TOKEN_INVALID } from '../errors.js'
import type { Clock } from '../stores/store.js'
import type { StepUpAction, StepUpClaims, StepUpUser } from '../types.js'
import type { KeyRing } from './keys.js'
import { Hs256 } from './hs256.js'
import { randomId } from './secrets.js'
import { isCanonicalSignature, withLowS } from './signature.js'

/** A distinct `typ`, so no other JWT signed with a shared key can pass as a step-up token. */
const TOKEN_TYPE = 'step-up+jwt'
/** Far longer than any token this plugin issues; longer input is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 4096
/** Three base64url segments and nothing else: no padding, spaces or other alphabets. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

/**
 * A key-pair token is accepted only spelled as issued. jose decodes base64url leniently (padding,
 * spaces, unused low bits), which would give one token several spellings; anything keyed on the
 * token text (this cache, an app's denylist) must see one. The signature's numbers have one
 * accepted form too (see signature.ts). (HS256 tokens are exact by construction: see Hs256.payload.)
 */
function isCanonical (token: string): boolean {
  return COMPACT_JWS.test(token) &&
    token.split('.').every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment)
}

export interface TokenServiceOptions {
  /** The HS256 key, used when there is no key ring. */
  secretKey: Uint8Array
  /** Key pairs; when set, only they sign and verify (an HS256 token is refused). */
  keys: KeyRing | undefined
  issuer: string
  audience: string
  ttlMs: number
  clock: Clock
  /** How many verified tokens to remember; 0 turns the cache off. */
  cacheMax: number
}

export interface IssuedToken {
  token: string
  /** Seconds until it expires. */
  expiresIn: number
  claims: StepUpClaims
}

/** What a token records besides who and when. */
export interface TokenFacts {
  amr: readonly string[]
  acr?: string | undefined
  action?: StepUpAction | undefined
}

/** Makes claims read-only, so one request cannot change what the cache hands the next. */
function freeze (claims: StepUpClaims): StepUpClaims {
  Object.freeze(claims.amr)
  if (claims.action) Object.freeze(claims.action)
  return Object.freeze(claims)
}

export class TokenService {
  readonly #options: TokenServiceOptions
  readonly #hs256: Hs256
  /**
   * Tokens that verified, matched on their exact text, until their `exp`. Their signature, issuer,
   * audience and types depend only on the token and the keys, which are fixed for the life of the
   * process; the expiry is checked on every hit, which removes an expired entry (no cache TTL: it
   * would read the clock again on every lookup, and lru-cache drops stale entries lazily too).
   * Everything that depends on the request (user, session, requirement, single use) is checked by
   * the caller every time, cached or not. Only tokens spelled as issued ever verify, so the exact
   * text is a sound key.
   */
  readonly #verified: LRUCache<string, Verified> | undefined
  /**
   * HS256 tokens checked once, as a fingerprint of their signature in a slot: one enters the cache
   * on its second full check. Caching costs more than the check saves for a token used once (a
   * single-use token, a client that steps up for one request): an eviction, and an entry kept
   * alive until it is evicted, which the garbage collector then moves and marks. A key-pair token
   * is cached on its first check, which costs ten times an HS256 one. This decides only what is
   * remembered: every token is checked in full until it is, and a fingerprint that collides only
   * caches a token that has just passed that check.
   */
  readonly #seen: Int32Array | undefined
  readonly #stats = { hits: 0, misses: 0 }

  constructor (options: TokenServiceOptions) {
    this.#options = options
    this.#hs256 = new Hs256(options.secretKey, TOKEN_TYPE)
    this.#verified = options.cacheMax > 0 ? new LRUCache({ max: options.cacheMax }) : undefined
    // A power of two at least the cache's size, so a slot is a mask of the fingerprint.
    this.#seen = options.cacheMax > 0 ? new Int32Array(2 ** Math.ceil(Math.log2(options.cacheMax + 1))) : undefined
  }

  async issue (user: StepUpUser, facts: TokenFacts): Promise<IssuedToken> {
    const { keys, issuer, audience, ttlMs, clock } = this.#options
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
      amr: [...facts.amr],
      ...(facts.acr === undefined ? {} : { acr: facts.acr }),
      ...(facts.action === undefined ? {} : { action: facts.action })
    }
    const token = keys ? await this.#signWithKeyPair(claims, keys) : this.#hs256.sign(claims)
    return { token, expiresIn, claims }
  }

  async #signWithKeyPair (claims: StepUpClaims, keys: KeyRing): Promise<string> {
    const { alg, kid, key } = keys.signing
    const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg, typ: TOKEN_TYPE, kid }).sign(key)
    // The one spelling verify accepts (Ed25519 signatures are deterministic and always in range).
    return alg === 'ES256' ? withLowS(token) : token
  }

  /**
   * The claims of a valid token: at once for a token in the cache or any HS256 token, a promise of
   * them for a key-pair token not yet verified (jose checks it asynchronously). Each call looks in
   * the cache exactly once, and counts one hit or, once the full check passes, one miss. Throws (or,
   * for a key-pair token, rejects with) a step-up error for a token that is refused.
   */
  read (token: string, nowMs: number): StepUpClaims | Promise<StepUpClaims> {
    const key = cacheKey(token)
    const entry = this.#verified?.get(key)
    if (entry?.token === token) {
      // jose's rule: expired once the current second reaches exp.
      if (Math.floor(nowMs / 1000) >= entry.claims.exp) {
        this.#verified!.delete(key)
        throw new FST_STEP_UP_TOKEN_EXPIRED()
      }
      this.#stats.hits++
      return entry.claims
    }
    if (token.length > MAX_TOKEN_LENGTH) throw new FST_STEP_UP_TOKEN_INVALID()
    const { keys } = this.#options
    if (keys) {
      if (!isCanonical(token)) throw new FST_STEP_UP_TOKEN_INVALID()
      return this.#verifyKeyPairToken(token, keys, nowMs).then((payload) => this.#remember(token, key, payload, true))
    }
    const payload = this.#hs256.payload(token)
    if (!payload) throw new FST_STEP_UP_TOKEN_INVALID()
    const claimsError = this.#registeredClaimsError(payload, nowMs)
    if (claimsError) throw claimsError
    return this.#remember(token, key, payload, this.#seenBefore(key))
  }

  /** Verifications answered from the cache (hits) and by a full check (misses), and the entries held. */
  cacheStats (): { hits: number, misses: number, size: number } {
    return { ...this.#stats, size: this.#verified?.size ?? 0 }
  }

  #remember (token: string, key: string, payload: Record<string, unknown>, admit: boolean): StepUpClaims {
    if (!hasClaimTypes(payload) || payload.auth_time > payload.iat) throw new FST_STEP_UP_TOKEN_INVALID()
    const claims = freeze(payload)
    this.#stats.misses++
    if (admit) this.#verified?.set(key, { token, claims })
    return claims
  }

  /** True when this signature was checked before (its fingerprint is in its slot); else notes it. */
  #seenBefore (key: string): boolean {
    const seen = this.#seen
    if (!seen) return false
    const print = fingerprint(key)
    const slot = print & (seen.length - 1)
    if (seen[slot] === print) return true
    seen[slot] = print
    return false
  }

  /**
   * The checks jose makes of the registered claims, with the options used for key-pair tokens
   * below: issuer, audience, required claims, `exp`, `nbf`, and `iat` neither in the future nor
   * older than a token's lifetime. An expired token is told apart; anything else is invalid.
   */
  #registeredClaimsError (payload: Record<string, unknown>, nowMs: number): Error | undefined {
    const { issuer, audience, ttlMs } = this.#options
    const now = Math.floor(nowMs / 1000)
    const { iss, aud, iat, exp, nbf } = payload
    if (REQUIRED_CLAIMS.some((claim) => payload[claim] === undefined)) return new FST_STEP_UP_TOKEN_INVALID()
    if (iss !== issuer || !(aud === audience || (Array.isArray(aud) && aud.includes(audience)))) return new FST_STEP_UP_TOKEN_INVALID()
    if (typeof exp !== 'number' || typeof iat !== 'number' || (nbf !== undefined && typeof nbf !== 'number')) return new FST_STEP_UP_TOKEN_INVALID()
    if (exp <= now) return new FST_STEP_UP_TOKEN_EXPIRED()
    if ((nbf !== undefined && nbf > now) || iat > now || now - iat > maxTokenAge(ttlMs)) return new FST_STEP_UP_TOKEN_INVALID()
    return undefined
  }

  async #verifyKeyPairToken (token: string, keys: KeyRing, nowMs: number): Promise<Record<string, unknown>> {
    const { issuer, audience, ttlMs } = this.#options
    const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
    try {
      const { payload } = await jwtVerify(token, (header) => publicKeyFor(keys, header, signature), {
        algorithms: ['EdDSA', 'ES256'],
        typ: TOKEN_TYPE,
        issuer,
        audience,
        currentDate: new Date(nowMs),
        maxTokenAge: maxTokenAge(ttlMs),
        requiredClaims: [...REQUIRED_CLAIMS]
      })
      return payload
    } catch (err) {
      throw err instanceof errors.JWTExpired && err.claim === 'exp' ? new FST_STEP_UP_TOKEN_EXPIRED() : new FST_STEP_UP_TOKEN_INVALID()
    }
  }
}

interface Verified { token: string, claims: StepUpClaims }

/**
 * Where a token is filed: its signature, which is short and differs from token to token, so the
 * lookup hashes 43 or 86 characters rather than the whole token. The entry holds the whole text,
 * and only an exact match is a hit: a token with another header or payload is checked in full.
 */
function cacheKey (token: string): string {
  return token.slice(token.lastIndexOf('.') + 1)
}

/**
 * 32 bits of a signature, never 0 (an empty slot): FNV-1a over its first 8 characters. An HMAC's
 * characters are uniformly random, and only a token that passed its check is ever fingerprinted.
 */
function fingerprint (signature: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < 8; i++) hash = Math.imul(hash ^ signature.charCodeAt(i), 0x01000193)
  return hash | 1
}

const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp', 'auth_time', 'amr'] as const

/** No token of ours is older than its lifetime, nor issued in the future. */
function maxTokenAge (ttlMs: number): number {
  return Math.max(1, Math.floor(ttlMs / 1000))
}

/**
 * The trusted key the header names, of the algorithm it is for, with the signature in the one form
 * that algorithm accepts (checked before jose checks the signature itself); anything else is refused.
 */
function publicKeyFor (keys: KeyRing, header: JWSHeaderParameters, signature: Uint8Array): KeyObject {
  const entry = typeof header.kid === 'string' ? keys.public.get(header.kid) : undefined
  if (!entry || entry.alg !== header.alg || !isCanonicalSignature(entry.alg, signature)) throw new FST_STEP_UP_TOKEN_INVALID()
  return entry.key
}

function isAction (value: unknown): value is StepUpAction {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const { name, hash } = value as Record<string, unknown>
  return typeof name === 'string' && (hash === undefined || typeof hash === 'string')
}

// jose checks the registered claims it knows; these are ours to check.
function hasClaimTypes (payload: Record<string, unknown>): payload is Record<string, unknown> & StepUpClaims {
  return typeof payload.sub === 'string' &&
    typeof payload.sid === 'string' &&
    typeof payload.jti === 'string' &&
    typeof payload.auth_time === 'number' &&
    Array.isArray(payload.amr) && payload.amr.every((value) => typeof value === 'string') &&
    (payload.acr === undefined || typeof payload.acr === 'string') &&
    (payload.action === undefined || isAction(payload.action))
}
