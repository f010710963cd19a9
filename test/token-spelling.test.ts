// One spelling per token. An issued token is accepted only as the text it was issued as: every
// other text of it is refused by the guard, by POST /step-up/token/verify and by the adapter's
// verifyToken, for HS256, EdDSA and ES256. The other texts are the same bytes
// encoded otherwise (padding, unused base64url bits, whitespace, the standard alphabet), the same
// header or claims written as other JSON, and the same signature in another arithmetic form (ES256
// with n - s, or in DER; Ed25519 with S + kL), which a verifier checking only the equation accepts.
import { generateKeyPairSync, verify } from 'node:crypto'
import t, { type Test } from 'tap'
import { loadKeys, type AsymmetricAlgorithm, type KeyOptions } from '../lib/core/keys.js'
import { isCanonicalSignature } from '../lib/core/signature.js'
import { TokenService } from '../lib/core/tokens.js'
import { as, buildApp, frameworks, stepUpToken, users, type TestApp } from './helpers/app.js'

const INVALID = 'FST_STEP_UP_TOKEN_INVALID'
const ed = generateKeyPairSync('ed25519')
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })

/** The order of the P-256 group: (r, s) and (r, n - s) are both valid ECDSA signatures. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
/** The order of the Ed25519 base point: S and S + L satisfy the same verification equation. */
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
const toBytes = (value: bigint, length = 32): Buffer => Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex')

/** A token's signature as bytes, and the token with other signature bytes in its place. */
const signatureOf = (token: string): Buffer => Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url')
const withSignature = (token: string, bytes: Uint8Array): string =>
  `${token.slice(0, token.lastIndexOf('.') + 1)}${Buffer.from(bytes).toString('base64url')}`

/** ES256's s, as a number. */
const sOf = (token: string): bigint => toBigInt(signatureOf(token).subarray(32))

/** The same ES256 signature with s replaced by n - s. */
function flipS (token: string): string {
  const signature = signatureOf(token)
  return withSignature(token, Buffer.concat([signature.subarray(0, 32), toBytes(P256_N - sOf(token))]))
}

/** The same (r, s) DER-encoded, as X.509 writes ECDSA signatures and JWS does not (RFC 7518 3.4). */
function derSignature (token: string): string {
  const integer = (bytes: Buffer): Buffer => {
    let start = 0
    while (start < bytes.length - 1 && bytes[start] === 0) start++
    const trimmed = bytes.subarray(start)
    const body = trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed
    return Buffer.concat([Buffer.from([0x02, body.length]), body])
  }
  const signature = signatureOf(token)
  const sequence = Buffer.concat([integer(signature.subarray(0, 32)), integer(signature.subarray(32))])
  return withSignature(token, Buffer.concat([Buffer.from([0x30, sequence.length]), sequence]))
}

/** The same Ed25519 signature with S (little-endian) replaced by S + kL, for every k that fits 32 bytes. */
function edPlusL (token: string): Record<string, string> {
  const signature = signatureOf(token)
  const s = toBigInt(Buffer.from(signature.subarray(32)).reverse())
  const variants: Record<string, string> = {}
  for (let k = 1n; s + k * ED25519_L < 2n ** 256n; k++) {
    variants[`signature: S + ${k}L`] = withSignature(token, Buffer.concat([signature.subarray(0, 32), toBytes(s + k * ED25519_L).reverse()]))
  }
  return variants
}

/**
 * Other texts of the same token that an HTTP header can carry: each segment padded, with its unused
 * low bits set, in the standard alphabet, with a space or tab inside, and the header and claims as
 * other JSON. Texts that happen to equal the token (no "-" to swap, say) are left out.
 */
function respellings (token: string): Record<string, string> {
  const segments = token.split('.')
  const variants: Record<string, string> = {}
  const put = (name: string, index: number, text: string) => {
    const variant = segments.map((segment, i) => i === index ? text : segment).join('.')
    if (variant !== token) variants[name] = variant
  }
  for (const [index, part] of ['header', 'payload', 'signature'].entries()) {
    const segment = segments[index]!
    put(`${part}: one "=" appended`, index, `${segment}=`)
    put(`${part}: padded to a multiple of 4`, index, segment + '='.repeat((4 - segment.length % 4) % 4))
    // The last character of a segment whose bit length is not a multiple of 6 carries bits no byte uses.
    const unused = [0, 0, 4, 2][segment.length % 4]!
    const last = BASE64URL.indexOf(segment.at(-1)!)
    for (let bit = 0; bit < unused; bit++) put(`${part}: unused bit ${bit} set`, index, segment.slice(0, -1) + BASE64URL[last ^ (1 << bit)])
    put(`${part}: the standard base64 alphabet`, index, segment.replace(/-/g, '+').replace(/_/g, '/'))
    put(`${part}: a space inside`, index, `${segment.slice(0, 8)} ${segment.slice(8)}`)
    put(`${part}: a tab inside`, index, `${segment.slice(0, 8)}\t${segment.slice(8)}`)
  }
  const json = (index: number) => JSON.parse(Buffer.from(segments[index]!, 'base64url').toString()) as Record<string, unknown>
  const encode = (text: string) => Buffer.from(text).toString('base64url')
  put('header: fields in reverse order', 0, encode(JSON.stringify(Object.fromEntries(Object.entries(json(0)).reverse()))))
  put('header: JSON with spaces', 0, encode(JSON.stringify(json(0), null, 1)))
  put('payload: JSON with spaces', 1, encode(JSON.stringify(json(1), null, 1)))
  put('payload: a "-" written as "\\u002d"', 1, encode(JSON.stringify(json(1)).replace('-', '\\u002d')))
  return variants
}

/** Texts only a JSON body can carry: whitespace around the token, a line break inside. */
function bodyRespellings (token: string): Record<string, string> {
  return {
    'a space before': ` ${token}`,
    'a line break after': `${token}\n`,
    'a line break inside the signature': `${token.slice(0, -10)}\n${token.slice(-10)}`
  }
}

const algorithms: Record<string, KeyOptions | undefined> = {
  HS256: undefined,
  EdDSA: { signing: { kid: 'ed-1', alg: 'EdDSA', privateKey: ed.privateKey } },
  ES256: { signing: { kid: 'ec-1', alg: 'ES256', privateKey: ec.privateKey } }
}

function guard (testApp: TestApp, token: string) {
  return testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token } })
}

function checkRoute (testApp: TestApp, token: string) {
  return testApp.app.inject({ method: 'POST', url: '/step-up/token/verify', headers: as('alice'), payload: { token } })
}

async function refusedEverywhere (t: Test, testApp: TestApp, name: string, variant: string, viaHeader = true) {
  if (viaHeader) {
    const reply = await guard(testApp, variant)
    t.equal(reply.statusCode, 401, `${name}: the guard refuses it`)
    t.equal(reply.json().code, INVALID, `${name}: as an invalid token`)
  }
  t.match((await checkRoute(testApp, variant)).json(), { valid: false, code: INVALID }, `${name}: /token/verify says invalid`)
  await t.rejects(testApp.verifyToken(variant, { user: { ...users.alice!, sessionId: 's1' } }), { code: INVALID }, `${name}: verifyToken rejects it`)
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    for (const [alg, keys] of Object.entries(algorithms)) {
      t.test(`${alg}: every other spelling of an issued token is refused, before and after the token is cached`, async (t) => {
        const testApp = await buildApp(t, { framework, plugin: keys ? { keys } : {} })
        const token = await stepUpToken(testApp)
        const arithmetic: Record<string, string> = alg === 'ES256'
          ? { 'signature: s replaced by n - s': flipS(token), 'signature: the same (r, s) in DER': derSignature(token) }
          : alg === 'EdDSA' ? edPlusL(token) : {}
        if (alg === 'ES256') {
          t.ok(sOf(token) <= P256_N / 2n, 'the issued signature is low-S')
          const [header, payload] = token.split('.')
          const input = Buffer.from(`${header}.${payload}`)
          t.ok(verify('sha256', input, { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, signatureOf(flipS(token))),
            'n - s is a second valid signature of the same input: only the plugin can refuse it')
        }
        if (alg === 'EdDSA') t.ok(Object.keys(arithmetic).length > 0, 'S + L fits in 32 bytes')
        const variants = { ...respellings(token), ...arithmetic }
        t.ok(Object.keys(variants).length >= 20, 'many spellings to try')

        for (const [name, variant] of Object.entries(variants)) await refusedEverywhere(t, testApp, name, variant)
        for (const [name, variant] of Object.entries(bodyRespellings(token))) await refusedEverywhere(t, testApp, name, variant, false)

        t.equal((await guard(testApp, token)).statusCode, 200, 'the token as issued passes the guard')
        t.match((await checkRoute(testApp, token)).json(), { valid: true, claims: { sub: 'alice' } }, 'and /token/verify')
        t.match(await testApp.verifyToken(token, { user: { ...users.alice!, sessionId: 's1' } }), { sub: 'alice' }, 'and verifyToken')
        t.equal(testApp.tokenCacheStats().size, 1, 'the one spelling is cached')

        for (const [name, variant] of Object.entries(variants)) {
          t.equal((await guard(testApp, variant)).json().code, INVALID, `${name}: refused with the token cached`)
        }
        t.equal(testApp.tokenCacheStats().size, 1, 'no other spelling was ever cached')
      })
    }
  })
}

t.test('ES256 tokens are always issued low-S, and still verify with any ECDSA verifier', async (t) => {
  const now = Date.UTC(2026, 0, 1)
  const tokens = new TokenService({
    secretKey: new Uint8Array(32),
    keys: loadKeys({ signing: { kid: 'ec-1', alg: 'ES256', privateKey: ec.privateKey } }),
    issuer: 'i',
    audience: 'a',
    ttlMs: 300_000,
    clock: { now: () => now },
    cacheMax: 0
  })
  const user = { ...users.alice!, sessionId: 's1' }
  let high = 0
  let invalid = 0
  for (let i = 0; i < 200; i++) {
    const { token } = await tokens.issue(user, { amr: ['otp'] })
    if (sOf(token) > P256_N / 2n) high++
    const [header, payload] = token.split('.')
    if (!verify('sha256', Buffer.from(`${header}.${payload}`), { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, signatureOf(token))) invalid++
    await tokens.read(token, now)
  }
  t.equal(high, 0, 'no signature of 200 has s above n/2 (WebCrypto alone gives about half)')
  t.equal(invalid, 0, 'node:crypto verifies every one')
})

t.test('the accepted range of each algorithm, at its edges', async (t) => {
  const es = (r: bigint, s: bigint) => Buffer.concat([toBytes(r), toBytes(s)])
  const half = P256_N / 2n // floor: n is odd
  const cases: Array<[string, AsymmetricAlgorithm, Buffer, boolean]> = [
    ['ES256 s = (n - 1) / 2', 'ES256', es(1n, half), true],
    ['ES256 s = (n + 1) / 2', 'ES256', es(1n, half + 1n), false],
    ['ES256 s = n - 1', 'ES256', es(1n, P256_N - 1n), false],
    ['ES256 s = 0', 'ES256', es(1n, 0n), false],
    ['ES256 r = n - 1', 'ES256', es(P256_N - 1n, 1n), true],
    ['ES256 r = n', 'ES256', es(P256_N, 1n), false],
    ['ES256 r = 0', 'ES256', es(0n, 1n), false],
    ['ES256 63 bytes', 'ES256', es(1n, 1n).subarray(1), false],
    ['ES256 65 bytes', 'ES256', Buffer.concat([es(1n, 1n), Buffer.from([0])]), false],
    ['Ed25519 S = L - 1', 'EdDSA', Buffer.concat([Buffer.alloc(32), toBytes(ED25519_L - 1n).reverse()]), true],
    ['Ed25519 S = L', 'EdDSA', Buffer.concat([Buffer.alloc(32), toBytes(ED25519_L).reverse()]), false],
    ['Ed25519 S = 2^256 - 1', 'EdDSA', Buffer.concat([Buffer.alloc(32), Buffer.alloc(32, 0xff)]), false],
    ['Ed25519 65 bytes', 'EdDSA', Buffer.alloc(65), false]
  ]
  for (const [name, alg, signature, accepted] of cases) t.equal(isCanonicalSignature(alg, signature), accepted, name)
})
