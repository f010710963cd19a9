// The plugin's own HS256 tokens, signed and checked synchronously with node:crypto. jose goes
// through WebCrypto, a key import and an asynchronous job per call: about 40 µs per new token on the
// guard's path here, against about 4 µs for this. Key pairs stay with jose.
import { createHmac, timingSafeEqual } from 'node:crypto'

const base64url = (text: string): string => Buffer.from(text).toString('base64url')

export class Hs256 {
  readonly #key: Buffer
  /** The one header this plugin writes, already encoded: a token must start with exactly it. */
  readonly #header: string

  constructor (key: Uint8Array, typ: string) {
    this.#key = Buffer.from(key)
    this.#header = base64url(JSON.stringify({ alg: 'HS256', typ }))
  }

  sign (payload: object): string {
    const signed = `${this.#header}.${base64url(JSON.stringify(payload))}`
    return `${signed}.${this.#mac(signed)}`
  }

  /**
   * The payload of a token this key signed, or undefined. Only the spelling `sign` writes passes: the
   * header is compared as text and the signature as the exact base64url of the HMAC, which covers the
   * payload's exact text, so no other spelling of a token (padding, another alphabet, reordered
   * header fields) can carry a valid signature.
   */
  payload (token: string): Record<string, unknown> | undefined {
    const header = this.#header
    if (!token.startsWith(header) || token.charCodeAt(header.length) !== 0x2e /* . */) return undefined
    const end = token.indexOf('.', header.length + 1)
    if (end === -1) return undefined
    const signed = token.slice(0, end)
    const signature = Buffer.from(token.slice(end + 1))
    const expected = Buffer.from(this.#mac(signed))
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined
    let payload: unknown
    try {
      payload = JSON.parse(Buffer.from(signed.slice(header.length + 1), 'base64url').toString())
    } catch {
      return undefined // signed by this key but not JSON: nothing this plugin wrote
    }
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload as Record<string, unknown> : undefined
  }

  #mac (signed: string): string {
    return createHmac('sha256', this.#key).update(signed).digest('base64url')
  }
}
