// Attacks on the guard and the token, each a test that fails if the attack works, on both adapters
// over real HTTP. Forged tokens are built by hand (test/helpers/forge.ts) so each check of the
// verifier is attacked on its own: the right key with one wrong claim, or the right claims under a
// wrong algorithm, key or key id. A refusal is a 401 with the expected FST_STEP_UP_* code and a body
// the guarded handler never produced.
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { UnsecuredJWT } from 'jose'
import t, { type Test } from 'tap'
import { deriveKeys } from '../lib/core/secrets.js'
import {
  SECRET,
  as,
  buildApp,
  frameworks,
  sendCode,
  stepUpToken,
  type BuildOptions,
  type Framework,
  type Reply,
  type TestApp
} from './helpers/app.js'
import {
  NOW,
  TYP,
  claims,
  compact,
  decode,
  eddsa,
  es256,
  es256Der,
  forge,
  hs256,
  keyPair,
  malleateEs256,
  segment,
  signatureSpellings,
  withHeader,
  withPayload,
  type Json
} from './helpers/forge.js'
import { codeIn } from './helpers/smtp.js'

const INVALID = 'FST_STEP_UP_TOKEN_INVALID'
const EXPIRED = 'FST_STEP_UP_TOKEN_EXPIRED'
const INSUFFICIENT = 'FST_STEP_UP_INSUFFICIENT'
const USED = 'FST_STEP_UP_TOKEN_USED'
const MISSING = 'FST_STEP_UP_TOKEN_MISSING'

// The app's keys (A signs, B replaces it, EC is a trusted ES256 verification key) and the attacker's.
const A = keyPair('ed25519')
const B = keyPair('ed25519')
const EC = keyPair('p256')
const EVIL_ED = keyPair('ed25519')
const EVIL_EC = keyPair('p256')

/** A GET of a guarded route as `user` in `session`, with the token header when given. */
function get (testApp: TestApp, url: string, token?: string | string[], user = 'alice', session = 's1') {
  return testApp.app.inject({ url, headers: { ...as(user, session), ...(token === undefined ? {} : { 'x-step-up-token': token }) } })
}

function bodyOf (reply: Reply): Json {
  try {
    const body = JSON.parse(reply.body)
    return typeof body === 'object' && body !== null ? body : {}
  } catch {
    return {}
  }
}

/** A refusal: 401, one of `codes`, the RFC 9470 challenge, and nothing the route handler writes. */
function refused (t: Test, reply: Reply, codes: string | readonly string[], name: string): void {
  const expected = typeof codes === 'string' ? [codes] : codes
  const body = bodyOf(reply)
  t.equal(reply.statusCode, 401, `${name}: 401`)
  t.ok(expected.includes(body.code as string), `${name}: ${expected.join(' or ')} (got ${String(body.code)})`)
  t.ok(body.ok === undefined && body.id === undefined && body.stepUp !== undefined, `${name}: the handler never ran`)
  t.match(reply.headers['www-authenticate'], /^Bearer error="insufficient_user_authentication"/, `${name}: RFC 9470 challenge`)
}

/** Refusals of many tokens on one route. */
async function refuseAll (t: Test, testApp: TestApp, url: string, cases: Record<string, string>, codes: string | readonly string[] = INVALID) {
  for (const [name, token] of Object.entries(cases)) refused(t, await get(testApp, url, token), codes, name)
}

/** An app signing with key pair A (EdDSA, kid "k1"), or as `keys` says. */
function pairApp (t: Test, framework: Framework, keys: NonNullable<BuildOptions['plugin']>['keys'] = { signing: { kid: 'k1', alg: 'EdDSA', privateKey: A.privatePem } }, more: BuildOptions = {}) {
  return buildApp(t, { framework, ...more, plugin: { keys, ...more.plugin } })
}

/** An app whose signing key is the P-256 pair EC (ES256, kid "ec1"). */
function es256App (t: Test, framework: Framework, more: BuildOptions = {}) {
  return pairApp(t, framework, { signing: { kid: 'ec1', alg: 'ES256', privateKey: EC.privatePem } }, more)
}

/** Steps up for an action (optionally with its key fields) by email, and returns the token. */
async function actionToken (testApp: TestApp, action: { name: string, data?: Json }): Promise<string> {
  const sent = await testApp.app.inject({
    method: 'POST',
    url: '/step-up/email/send',
    headers: as('alice'),
    payload: { email: 'alice@example.com', action }
  })
  if (sent.statusCode !== 202) throw new Error(`send failed: ${sent.statusCode} ${sent.body}`)
  const code = codeIn(await testApp.mailbox.next())
  const verified = await testApp.app.inject({
    method: 'POST',
    url: '/step-up/email/verify',
    headers: as('alice'),
    payload: { challengeId: sent.json().challengeId, code }
  })
  if (verified.statusCode !== 200) throw new Error(`verify failed: ${verified.statusCode} ${verified.body}`)
  return verified.json().token
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('alg "none": unsecured tokens are refused, with HS256 and with key pairs', async (t) => {
      const unsecured = (alg: string, signature = '', header: Json = {}) => compact({ alg, typ: TYP, ...header }, claims(), signature)
      const cases = {
        'jose UnsecuredJWT': new UnsecuredJWT(claims()).encode(),
        'alg none': unsecured('none'),
        'alg None': unsecured('None'),
        'alg NONE': unsecured('NONE'),
        'alg nOnE': unsecured('nOnE'),
        'alg none with a signature': unsecured('none', 'c2lnbmF0dXJl'),
        'alg none, no third part': unsecured('none').slice(0, -1),
        'alg empty': unsecured(''),
        'alg missing': compact({ typ: TYP }, claims(), ''),
        'alg none with kid': unsecured('none', '', { kid: 'k1' })
      }
      const hs = await buildApp(t, { framework })
      await refuseAll(t, hs, '/documents/1', cases)
      const pair = await pairApp(t, framework)
      await refuseAll(t, pair, '/documents/1', cases)
    })

    t.test('HS256 signed with the public key of a key pair (key confusion) is refused', async (t) => {
      for (const [alg, pair, kid, app] of [
        ['EdDSA', A, 'k1', await pairApp(t, framework)],
        ['ES256', EC, 'ec1', await es256App(t, framework)]
      ] as const) {
        t.equal((await get(app, '/documents/1', await stepUpToken(app))).statusCode, 200, `${alg}: a real token passes`)
        const served = (await app.app.inject({ url: '/step-up/.well-known/jwks.json' })).json().keys[0]
        const secrets: Record<string, Uint8Array | string> = {
          'the public PEM': pair.publicPem,
          'the public PEM, trimmed': pair.publicPem.trim(),
          'the public JWK as JSON': JSON.stringify(pair.publicJwk),
          'the JWKS entry the app serves, as JSON': JSON.stringify(served),
          'the public key DER': pair.publicKey.export({ type: 'spki', format: 'der' }),
          'the raw public key bytes': Buffer.from(pair.publicJwk.x as string, 'base64url'),
          "the plugin's own HS256 key": deriveKeys(Buffer.from(SECRET)).token
        }
        const cases: Record<string, string> = {}
        for (const [name, secret] of Object.entries(secrets)) {
          for (const header of [{ kid }, {}]) {
            for (const [hmac, hash] of [['HS256', 'sha256'], ['HS384', 'sha384'], ['HS512', 'sha512']] as const) {
              cases[`${alg}: ${hmac} with ${name}${header.kid ? ' and its kid' : ''}`] = compact({ alg: hmac, typ: TYP, ...header }, claims(), hs256(secret, hash))
            }
          }
        }
        await refuseAll(t, app, '/documents/1', cases)
      }
    })

    t.test('a token signed with another secret of the plugin, or the raw secret, is refused', async (t) => {
      const testApp = await buildApp(t, { framework })
      const keys = deriveKeys(Buffer.from(SECRET))
      await refuseAll(t, testApp, '/documents/1', {
        'the code HMAC key': forge({}, {}, keys.code),
        'the destination key': forge({}, {}, keys.destination),
        'the raw plugin secret': forge({}, {}, SECRET),
        'an empty key': forge({}, {}, new Uint8Array(0))
      })
    })

    t.test('kid: unknown, injected or not a string, even with the right private key', async (t) => {
      const testApp = await pairApp(t, framework)
      const signed = (kid: unknown, key = A.privateKey) => compact({ alg: 'EdDSA', typ: TYP, ...(kid === undefined ? {} : { kid }) }, claims(), eddsa(key))
      t.equal((await get(testApp, '/documents/1', signed('k1'))).statusCode, 200, 'the right kid and key pass: each case below changes only the kid')
      const kids: Record<string, unknown> = {
        unknown: 'k2',
        'another case': 'K1',
        'trailing space': 'k1 ',
        'leading space': ' k1',
        'NUL after': 'k1\u0000',
        'path traversal': '../../etc/passwd',
        'path to the key': '../k1',
        'SQL injection': "' OR 1=1 --",
        'SQL injection after the kid': "k1' OR '1'='1",
        'very long (2000)': 'k'.repeat(2000),
        __proto__: '__proto__',
        constructor: 'constructor',
        toString: 'toString',
        hasOwnProperty: 'hasOwnProperty',
        empty: '',
        number: 42,
        null: null,
        true: true,
        array: ['k1'],
        object: { kid: 'k1' },
        missing: undefined
      }
      const cases: Record<string, string> = {}
      for (const [name, kid] of Object.entries(kids)) cases[`kid ${name}`] = signed(kid)
      cases['kid k1, attacker key'] = signed('k1', EVIL_ED.privateKey)
      await refuseAll(t, testApp, '/documents/1', cases)
    })

    t.test('embedded jwk, jku, x5u and x5c header parameters are ignored: no attacker key is trusted or fetched', async (t) => {
      // A server that hands out the attacker's key set, and counts who asks for it.
      let fetched = 0
      const jwks = JSON.stringify({ keys: [{ ...EVIL_ED.publicJwk, kid: 'k1', alg: 'EdDSA', use: 'sig' }] })
      const attacker = createServer((_req, res) => {
        fetched++
        res.setHeader('content-type', 'application/json')
        res.end(jwks)
      })
      attacker.listen(0, '127.0.0.1')
      await once(attacker, 'listening')
      t.teardown(() => new Promise<void>((resolve) => attacker.close(() => resolve())))
      const url = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/jwks.json`
      const evil = { ...EVIL_ED.publicJwk, kid: 'k1', alg: 'EdDSA' }
      const headers: Record<string, Json> = {
        'jwk with the trusted kid': { kid: 'k1', jwk: evil },
        'jwk with its own kid': { kid: 'evil', jwk: { ...evil, kid: 'evil' } },
        'jwk and no kid': { jwk: evil },
        'jku with the trusted kid': { kid: 'k1', jku: url },
        'jku with its own kid': { kid: 'evil', jku: url },
        'x5u with its own kid': { kid: 'evil', x5u: url },
        'x5c (garbage certificate chain)': { kid: 'evil', x5c: [EVIL_ED.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')] }
      }
      const cases: Record<string, string> = {}
      for (const [name, header] of Object.entries(headers)) {
        cases[name] = compact({ alg: 'EdDSA', typ: TYP, ...header }, claims(), eddsa(EVIL_ED.privateKey))
      }
      await refuseAll(t, await pairApp(t, framework), '/documents/1', cases)
      await refuseAll(t, await buildApp(t, { framework }), '/documents/1', cases)
      // The HS256 app, offered an HS256 token whose embedded key is a symmetric one the attacker chose.
      await refuseAll(t, await buildApp(t, { framework }), '/documents/1', {
        'HS256 with an embedded oct jwk': compact({ alg: 'HS256', typ: TYP, jwk: { kty: 'oct', k: segment('attacker') } }, claims(), hs256('attacker'))
      })
      t.equal(fetched, 0, 'the key set URL was never fetched')
    })

    t.test('alg/key mismatch: ES256 under an EdDSA kid and the reverse, even with trusted keys', async (t) => {
      const testApp = await pairApp(t, framework, {
        signing: { kid: 'ed', alg: 'EdDSA', privateKey: A.privatePem },
        verification: [{ kid: 'ec', alg: 'ES256', publicKey: EC.publicPem }]
      })
      const token = (alg: string, kid: string, signer: (input: string) => Buffer) => compact({ alg, typ: TYP, kid }, claims(), signer)
      t.equal((await get(testApp, '/documents/1', token('EdDSA', 'ed', eddsa(A.privateKey)))).statusCode, 200, 'EdDSA under its kid passes')
      t.equal((await get(testApp, '/documents/1', token('ES256', 'ec', es256(EC.privateKey)))).statusCode, 200, 'ES256 under its kid passes')
      await refuseAll(t, testApp, '/documents/1', {
        'ES256 by an attacker key under the EdDSA kid': token('ES256', 'ed', es256(EVIL_EC.privateKey)),
        'ES256 by the trusted EC key under the EdDSA kid': token('ES256', 'ed', es256(EC.privateKey)),
        'EdDSA by the trusted Ed25519 key under the ES256 kid': token('EdDSA', 'ec', eddsa(A.privateKey)),
        'EdDSA by an attacker key under the ES256 kid': token('EdDSA', 'ec', eddsa(EVIL_ED.privateKey)),
        'alg "Ed25519" (not allowed) by the trusted key': token('Ed25519', 'ed', eddsa(A.privateKey)),
        'ES384 name on an ES256 signature': token('ES384', 'ec', es256(EC.privateKey)),
        'ES256 with a DER signature': token('ES256', 'ec', es256Der(EC.privateKey))
      })
    })

    t.test('rotation: a token of a key no longer trusted is refused; one kept for verification works', async (t) => {
      const first = await pairApp(t, framework, { signing: { kid: 'a', alg: 'EdDSA', privateKey: A.privatePem } })
      const token = await stepUpToken(first)
      t.equal((await get(first, '/documents/1', token)).statusCode, 200, 'app 1 accepts its own token')

      const onlyB = await pairApp(t, framework, { signing: { kid: 'b', alg: 'EdDSA', privateKey: B.privatePem } })
      refused(t, await get(onlyB, '/documents/1', token), INVALID, 'app 2 trusts only key B')
      const sameKidNewKey = await pairApp(t, framework, { signing: { kid: 'a', alg: 'EdDSA', privateKey: B.privatePem } })
      refused(t, await get(sameKidNewKey, '/documents/1', token), INVALID, 'app 2b reuses kid "a" for key B')
      const hs = await buildApp(t, { framework })
      refused(t, await get(hs, '/documents/1', token), INVALID, 'an HS256 app')

      const rotated = await pairApp(t, framework, {
        signing: { kid: 'b', alg: 'EdDSA', privateKey: B.privatePem },
        verification: [{ kid: 'a', alg: 'EdDSA', publicKey: A.publicPem }]
      })
      t.equal((await get(rotated, '/documents/1', token)).statusCode, 200, 'app 3 keeps A as a verification key: rotation works')
      t.equal((await get(rotated, '/documents/1', await stepUpToken(rotated))).statusCode, 200, 'and its own B tokens pass')
      const published = (await rotated.app.inject({ url: '/step-up/.well-known/jwks.json' })).json().keys as Json[]
      t.same(published.map((key) => key.kid).sort(), ['a', 'b'], 'the JWKS publishes both public keys')
      t.notOk(published.some((key) => 'd' in key), 'and never a private part')
    })

    // HS256 tokens are checked by the plugin's own code, key-pair tokens by jose: the same claims, the same verdicts.
    const signers = {
      HS256: { app: (t: Test, more: BuildOptions) => buildApp(t, { framework, ...more }), forge },
      EdDSA: {
        app: (t: Test, more: BuildOptions) => pairApp(t, framework, undefined, more),
        forge: (changes: Json = {}, header: Json = {}) => compact({ alg: 'EdDSA', typ: TYP, kid: 'k1', ...header }, claims(changes), eddsa(A.privateKey))
      }
    }
    for (const [alg, { app, forge }] of Object.entries(signers)) {
      t.test(`${alg}: lifetime claims: expired, not yet valid, issued in the future, too old, auth_time after iat`, async (t) => {
        const testApp = await app(t, { routes: [{ url: '/lenient', requirement: { maxAge: '1d' } }] })
        t.equal((await get(testApp, '/lenient', forge())).statusCode, 200, 'the forging helper makes a valid token')
        refused(t, await get(testApp, '/lenient', forge({ iat: NOW - 300, auth_time: NOW - 300, exp: NOW })), EXPIRED, 'exp now')
        refused(t, await get(testApp, '/lenient', forge({ iat: NOW - 100, auth_time: NOW - 100, exp: NOW - 1 })), EXPIRED, 'exp in the past')
        // A route that accepts a day-old step-up still cannot make an old token valid: these are
        // refused by the token's own lifetime, not by the route's freshness.
        await refuseAll(t, testApp, '/lenient', {
          'nbf in the future': forge({ nbf: NOW + 60 }),
          'iat in the future': forge({ iat: NOW + 60 }),
          'iat and auth_time in the future': forge({ iat: NOW + 60, auth_time: NOW + 60, exp: NOW + 360 }),
          'iat older than the token lifetime, exp far away': forge({ iat: NOW - 301, auth_time: NOW - 301, exp: NOW + 86_400 }),
          'iat a year old, exp in ten years': forge({ iat: NOW - 31_536_000, auth_time: NOW - 31_536_000, exp: NOW + 315_360_000 }),
          'auth_time after iat': forge({ auth_time: NOW + 1 }),
          'exp not a number': forge({ exp: String(NOW + 300) }),
          'iat not a number': forge({ iat: String(NOW) }),
          'no exp': forge({ exp: undefined }),
          'no iat': forge({ iat: undefined })
        })
        refused(t, await get(testApp, '/documents/1', forge({ auth_time: NOW - 301 })), INSUFFICIENT,
          'a fresh iat does not make an old step-up fresh: freshness is from auth_time')
      })

      t.test(`${alg}: identity and audience claims: issuer, audience, typ, user, session, method, action`, async (t) => {
        const testApp = await app(t, { routes: [{ url: '/email-only', requirement: { methods: ['email'] } }] })
        await refuseAll(t, testApp, '/documents/1', {
          'another issuer': forge({ iss: 'evil' }),
          'no issuer': forge({ iss: undefined }),
          'another audience': forge({ aud: 'other-app' }),
          'an audience list without ours': forge({ aud: ['other-app', 'fastify-step-up-2'] }),
          'no audience': forge({ aud: undefined }),
          'typ JWT': forge({}, { typ: 'JWT' }),
          'typ at+jwt': forge({}, { typ: 'at+jwt' }),
          'typ step-up+jwt with a suffix': forge({}, { typ: 'step-up+jwt2' }),
          'no typ': forge({}, { typ: undefined }),
          "another user's sub": forge({ sub: 'bob' }),
          'sub as a number': forge({ sub: 1 }),
          'no sub': forge({ sub: undefined }),
          "another session's sid": forge({ sid: 's2' }),
          'sid as a number': forge({ sid: 1 }),
          'sid as a list': forge({ sid: ['s1'] }),
          'action not an object': forge({ action: 'payment' }),
          'action name not a string': forge({ action: { name: 1 } }),
          'amr a string': forge({ amr: 'otp email' })
        })
        refused(t, await get(testApp, '/email-only', forge({ amr: ['pwd'] })), INSUFFICIENT, 'a password token on an email-only route')
        refused(t, await get(testApp, '/email-only', forge({ amr: ['otp', 'email', 'pwd'] })), INSUFFICIENT, 'extra amr values do not pass as email')
      })
    }

    t.test("another user's or another session's real token is refused", async (t) => {
      const testApp = await buildApp(t, { framework })
      const bobs = await stepUpToken(testApp, 'bob', 'bob@example.com')
      const laptop = await stepUpToken(testApp, 'alice', 'alice@example.com', 'laptop')
      refused(t, await get(testApp, '/documents/1', bobs, 'alice'), INVALID, "bob's token as alice")
      refused(t, await get(testApp, '/documents/1', bobs, 'alice', 'laptop'), INVALID, "bob's token as alice in another session")
      refused(t, await get(testApp, '/documents/1', laptop, 'alice', 'phone'), INVALID, "alice's laptop token on her phone")
      refused(t, await get(testApp, '/documents/1', laptop, 'bob', 'laptop'), INVALID, "alice's token as bob in a session of the same name")
      t.equal((await get(testApp, '/documents/1', laptop, 'alice', 'laptop')).statusCode, 200, 'and in its own session it passes')
    })

    t.test('a tampered token (payload, header or signature changed) is refused', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      const other = await stepUpToken(testApp, 'alice', 'Alice.Work@Example.org', 's2')
      const [header, payload, signature] = token.split('.') as [string, string, string]
      await refuseAll(t, testApp, '/documents/1', {
        'sid changed to this session': withPayload(other, (claims) => ({ ...claims, sid: 's1' })),
        'amr changed': withPayload(token, (claims) => ({ ...claims, amr: ['pwd'] })),
        'acr added': withPayload(token, (claims) => ({ ...claims, acr: 'aal3' })),
        'auth_time moved': withPayload(token, (claims) => ({ ...claims, auth_time: (claims.auth_time as number) - 1 })),
        'a claim added': withPayload(token, (claims) => ({ ...claims, admin: true })),
        'same claims, spelled differently': `${header}.${segment(`${JSON.stringify(decode(token).payload)} `)}.${signature}`,
        'header typ changed': withHeader(token, (h) => ({ ...h, typ: 'JWT' })),
        'header alg none, signature kept': withHeader(token, (h) => ({ ...h, alg: 'none' })),
        'header kid added': withHeader(token, (h) => ({ ...h, kid: 'k1' })),
        "another token's signature": `${header}.${payload}.${other.split('.')[2]}`,
        'signature truncated': `${header}.${payload}.${signature.slice(0, 20)}`,
        'signature empty': `${header}.${payload}.`,
        'signature of zeros': `${header}.${payload}.${Buffer.alloc(32).toString('base64url')}`,
        'signature bit flipped': `${header}.${payload}.${Buffer.from(decode(token).signature.map((byte, i) => (i === 0 ? byte ^ 1 : byte))).toString('base64url')}`
      })
      refused(t, await get(testApp, '/documents/1', withPayload(token, (claims) => ({ ...claims, sub: 'bob' })), 'bob'), INVALID, 'sub changed to bob, as bob')
      refused(t, await get(testApp, '/documents/1', withPayload(token, (claims) => ({ ...claims, sid: 's9' })), 'alice', 's9'), INVALID, 'sid changed, in that session')
      testApp.clock.advance(5 * 60 * 1000)
      refused(t, await get(testApp, '/documents/1', withPayload(token, (claims) => ({ ...claims, exp: (claims.exp as number) + 3600 }))), INVALID, 'exp extended after it expired')
      refused(t, await get(testApp, '/documents/1', token), EXPIRED, 'the original, expired')
    })

    t.test('single use: a replay is refused, and a token refused for another reason is not spent', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        routes: [
          { url: '/once', requirement: { singleUse: true } },
          { url: '/once-too', requirement: { singleUse: true } },
          { url: '/once-pay', requirement: { singleUse: true, action: 'payment' } },
          { url: '/once-fresh', requirement: { singleUse: true, maxAge: 1000 } }
        ]
      })
      const token = await stepUpToken(testApp)
      refused(t, await get(testApp, '/once', token, 'bob'), INVALID, 'as another user')
      refused(t, await get(testApp, '/once', token, 'alice', 's2'), INVALID, 'in another session')
      refused(t, await get(testApp, '/once-pay', token), INSUFFICIENT, 'on a single-use route for another action')
      refused(t, await get(testApp, '/once', withPayload(token, (claims) => ({ ...claims, jti: 'other' }))), INVALID, 'with its jti changed')
      testApp.clock.advance(2000)
      refused(t, await get(testApp, '/once-fresh', token), INSUFFICIENT, 'too old for a route that wants 1 s')

      const first = await get(testApp, '/once', token)
      t.equal(first.statusCode, 200, 'none of those spent it: the first real use passes')
      t.equal(first.json().ok, true)
      refused(t, await get(testApp, '/once', token), USED, 'the replay')
      refused(t, await get(testApp, '/once-too', token), USED, 'on another single-use route')
      const spellings = signatureSpellings(token)
      t.ok(spellings.length > 0, 'the signature has other spellings')
      const padded = `${token}=`
      const spaced = `${token.slice(0, -10)} ${token.slice(-10)}`
      for (const [i, variant] of [...spellings, padded, spaced].entries()) {
        refused(t, await get(testApp, '/once', variant), [USED, INVALID], `the same token spelled differently (${i})`)
      }
      // Concurrent replays of a fresh token: the burn is atomic.
      testApp.clock.advance(31_000) // the resend cooldown of alice@example.com
      const again = await stepUpToken(testApp)
      const replies = await Promise.all([get(testApp, '/once', again), get(testApp, '/once', again), get(testApp, '/once', again)])
      t.same(replies.map((reply) => reply.statusCode).sort(), [200, 401, 401], 'three concurrent uses: exactly one passes')
    })

    // jose decodes the signature leniently on Node 20 (atob), so one token would have several
    // accepted spellings; the plugin accepts only the one it issued, so anything keyed on the token
    // text (the cache, an app's denylist) sees one.
    t.test('a token is accepted only as it was issued, not respelled (padding, whitespace, unused bits)', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      const respelled = {
        'padded with "="': `${token}=`,
        'a space inside the signature': `${token.slice(0, -10)} ${token.slice(-10)}`,
        'a tab inside the signature': `${token.slice(0, -10)}\t${token.slice(-10)}`,
        'unused low bits set': signatureSpellings(token)[0]!
      }
      for (const [name, variant] of Object.entries(respelled)) {
        const reply = await get(testApp, '/documents/1', variant)
        t.equal(reply.statusCode, 401, `${name}: refused`)
      }
    })

    t.test('single use: an ES256 signature made malleable (s to n - s) is still the same token', async (t) => {
      const testApp = await es256App(t, framework, { routes: [{ url: '/once', requirement: { singleUse: true } }] })
      const token = await stepUpToken(testApp)
      const twin = malleateEs256(token)
      t.not(twin, token)
      t.equal((await get(testApp, '/once', token)).statusCode, 200, 'the first use passes')
      refused(t, await get(testApp, '/once', twin), [USED, INVALID], 'its malleated twin is refused after it')
    })

    t.test('action binding: a token for another action, other data or none is refused', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        routes: [
          { url: '/pay', requirement: { action: 'payment' } },
          { url: '/transfer', requirement: { action: 'transfer' } },
          {
            url: '/pay-exact',
            requirement: {
              action: 'payment',
              actionData: (request: { query: Record<string, unknown> }) => ({ amount: request.query.amount, payee: request.query.payee })
            }
          }
        ]
      })
      const plain = await stepUpToken(testApp)
      testApp.clock.advance(31_000) // the resend cooldown of alice@example.com
      const payment = await actionToken(testApp, { name: 'payment' })
      testApp.clock.advance(31_000)
      const exact = await actionToken(testApp, { name: 'payment', data: { amount: '100', payee: 'bob' } })
      testApp.clock.advance(31_000)
      const numeric = await actionToken(testApp, { name: 'payment', data: { amount: 100, payee: 'bob' } })

      t.equal((await get(testApp, '/pay', payment)).statusCode, 200, 'a payment token passes the payment route')
      t.equal((await get(testApp, '/pay-exact?amount=100&payee=bob', exact)).statusCode, 200, 'and one for this payment passes the exact route')
      t.equal((await get(testApp, '/pay-exact?payee=bob&amount=100', exact)).statusCode, 200, 'in any parameter order')
      refused(t, await get(testApp, '/pay', plain), INSUFFICIENT, 'a plain token on an action route')
      refused(t, await get(testApp, '/documents/1', payment), INSUFFICIENT, 'a payment token on a plain route')
      refused(t, await get(testApp, '/transfer', payment), INSUFFICIENT, 'a payment token on the transfer route')
      refused(t, await get(testApp, '/pay-exact?amount=100&payee=bob', payment), INSUFFICIENT, 'a payment token without data where data is bound')
      refused(t, await get(testApp, '/pay-exact?amount=1000&payee=bob', exact), INSUFFICIENT, 'another amount')
      refused(t, await get(testApp, '/pay-exact?amount=100&payee=mallory', exact), INSUFFICIENT, 'another payee')
      refused(t, await get(testApp, '/pay-exact?amount=100&amount=1000&payee=bob', exact), INSUFFICIENT, 'the amount given twice')
      refused(t, await get(testApp, '/pay-exact?amount=100', exact), INSUFFICIENT, 'the payee left out')
      refused(t, await get(testApp, '/pay-exact?amount=100&payee=bob', numeric), INSUFFICIENT, 'the same data with another type (100 vs "100")')
      refused(t, await get(testApp, '/pay-exact?amount=100&payee=bob', withPayload(payment, (claims) => ({ ...claims, action: decode(exact).payload.action }))), INVALID,
        "another token's action pasted into the payload")
    })

    t.test('oversized and malformed token headers are refused without a crash', async (t) => {
      const testApp = await buildApp(t, { framework })
      const token = await stepUpToken(testApp)
      const [header, payload, signature] = token.split('.') as [string, string, string]
      const utf8AsSent = (text: string) => Buffer.from(text, 'utf8').toString('latin1') // what a client sending UTF-8 puts on the wire
      await refuseAll(t, testApp, '/documents/1', {
        '4097 characters': `${token}${'A'.repeat(4097 - token.length)}`,
        '12000 characters': `${header}.${payload}${'A'.repeat(12_000)}.${signature}`,
        'a payload padded past the limit': `${header}.${segment({ ...decode(token).payload, pad: 'x'.repeat(4000) })}.${signature}`,
        'binary bytes (0x80 to 0xff)': '\u0080\u00ff\u00fe.\u00c0\u00c1.\u00a0\u00f7',
        'a tab inside': `${header}.${payload}\t.${signature}`,
        'latin-1 letters': 'éèà.ü.ß',
        'UTF-8 bytes': utf8AsSent('☃.💥.签名'),
        'UTF-8 bytes around the token': utf8AsSent(`✓${token}✓`),
        'three dots': `${header}.${payload}.${signature}.`,
        'four parts': `${header}.${payload}.${signature}.${signature}`,
        'five parts (JWE shape)': `${header}.${payload}.${signature}.${payload}.${signature}`,
        'two parts': `${header}.${payload}`,
        'one part': header,
        'only dots': '..',
        'empty header': `.${payload}.${signature}`,
        'empty payload': `${header}..${signature}`,
        'all parts empty': '...',
        'standard base64 characters': `${header}.${payload}.${signature.replace(/-/g, '+').replace(/_/g, '/')}+/`,
        'a Bearer prefix': `Bearer ${token}`,
        'header not JSON': `${segment('not json')}.${payload}.${signature}`,
        'header a JSON array': `${segment('["HS256"]')}.${payload}.${signature}`,
        'payload not JSON': `${header}.${segment('not json')}.${signature}`,
        'payload a JSON string': `${header}.${segment('"alice"')}.${signature}`,
        'token twice, joined by a comma': `${token}, ${token}`
      })
      refused(t, await get(testApp, '/documents/1', [token, token]), INVALID, 'the header repeated')
      refused(t, await get(testApp, '/documents/1', [token, 'garbage']), INVALID, 'the header repeated with garbage')
      refused(t, await get(testApp, '/documents/1', ''), MISSING, 'an empty header')
      refused(t, await get(testApp, '/documents/1', '   '), MISSING, 'a header of spaces')
      t.equal((await get(testApp, '/documents/1', token)).statusCode, 200, 'the server still answers, and the real token still passes')
    })

    t.test('HEAD, other paths and other spellings of a guarded route never skip the guard', async (t) => {
      const testApp = await buildApp(t, { framework })
      const head = await testApp.app.inject({ url: '/documents/1', method: 'HEAD' as 'GET', headers: as('alice') })
      t.equal(head.statusCode, 401, 'HEAD without a token')
      for (const url of ['/DOCUMENTS/1', '/documents/1/', '/documents/%31', '/documents/1?x-step-up-token=x', '/documents/1;x', '/documents//1']) {
        const reply = await get(testApp, url)
        t.ok(reply.statusCode === 401 || reply.statusCode === 404, `${url}: ${reply.statusCode}, never a pass`)
        t.notOk(bodyOf(reply).ok ?? bodyOf(reply).id, `${url}: the handler never ran`)
      }
    })

    t.test('token/verify: the same checks behind the back-end route; it never says valid for a forged token', async (t) => {
      const testApp = await pairApp(t, framework)
      const check = async (token: string) =>
        (await testApp.app.inject({ method: 'POST', url: '/step-up/token/verify', headers: as('alice'), payload: { token } })).json()
      const real = await stepUpToken(testApp)
      t.equal((await check(real)).valid, true, 'a real token is valid')
      const forged = {
        'alg none': compact({ alg: 'none', typ: TYP, kid: 'k1' }, claims(), ''),
        'HS256 with the public PEM': compact({ alg: 'HS256', typ: TYP, kid: 'k1' }, claims(), hs256(A.publicPem)),
        'attacker key, trusted kid': compact({ alg: 'EdDSA', typ: TYP, kid: 'k1' }, claims(), eddsa(EVIL_ED.privateKey)),
        'embedded jwk': compact({ alg: 'EdDSA', typ: TYP, kid: 'k1', jwk: EVIL_ED.publicJwk }, claims(), eddsa(EVIL_ED.privateKey)),
        tampered: withPayload(real, (claims) => ({ ...claims, amr: ['pwd'] }))
      }
      for (const [name, token] of Object.entries(forged)) {
        t.same(await check(token), { valid: false, code: INVALID, message: 'The step-up token is not valid for this session' }, name)
      }
    })

    // A { level, methods } pair that no method reaches is the client's mistake: a 400, not a 500.
    t.test('token/verify with a level and methods that cannot reach it answers 4xx, not 500', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        allMethods: true,
        plugin: { levels: { aal1: { methods: ['email', 'password'] }, aal2: { methods: ['totp'] } } }
      })
      const token = await stepUpToken(testApp)
      const reply = await testApp.app.inject({
        method: 'POST',
        url: '/step-up/token/verify',
        headers: as('alice'),
        payload: { token, requirement: { level: 'aal2', methods: ['email'] } }
      })
      t.not(reply.json().valid, true, 'never a pass')
      t.equal(reply.statusCode, 400, 'a client error, not a server error')
      t.equal(reply.json().code, 'FST_STEP_UP_INVALID_REQUEST')
      const sane = await testApp.app.inject({
        method: 'POST',
        url: '/step-up/token/verify',
        headers: as('alice'),
        payload: { token, requirement: { level: 'aal1', methods: ['email'] } }
      })
      t.equal(sane.json().valid, true, 'a level and method that fit still verify')
    })

    t.test('a code for one challenge never verifies another, and a verified code is no token for another user', async (t) => {
      const testApp = await buildApp(t, { framework })
      const mine = await sendCode(testApp, 'alice', 'alice@example.com')
      const bobs = await sendCode(testApp, 'bob', 'bob@example.com')
      const verify = (user: string, challengeId: string, code: string) =>
        testApp.app.inject({ method: 'POST', url: '/step-up/email/verify', headers: as(user), payload: { challengeId, code } })
      const crossed = await verify('alice', bobs.challengeId, bobs.code)
      t.equal(crossed.statusCode, 404, "bob's challenge and code, as alice")
      t.equal(crossed.json().code, 'FST_STEP_UP_CHALLENGE_NOT_FOUND')
      if (bobs.code !== mine.code) t.equal((await verify('alice', mine.challengeId, bobs.code)).statusCode, 400, "bob's code on alice's challenge")
      t.equal((await verify('alice', mine.challengeId, mine.code)).statusCode, 200, "alice's own code still works")
    })
  })
}
