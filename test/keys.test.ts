// Key pairs: EdDSA and ES256 tokens with a kid, rotation, the public key set, and a check by an
// independent JWT implementation (fast-jwt, not jose) through that key set.
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import Fastify from 'fastify'
import { createVerifier } from 'fast-jwt'
import { SignJWT } from 'jose'
import t from 'tap'
import { withLowS } from '../lib/core/signature.js'
import stepUp from '../lib/index.js'
import { SECRET, as, buildApp, frameworks, stepUpToken, type TestApp } from './helpers/app.js'

const ed = generateKeyPairSync('ed25519')
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const old = generateKeyPairSync('ed25519')

function headerOf (token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())
}

function doc (testApp: TestApp, token: string) {
  return testApp.app.inject({ url: '/documents/1', headers: { ...as('alice'), 'x-step-up-token': token } })
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    t.test('EdDSA: tokens carry the kid, the key set publishes the public key, fast-jwt verifies through it', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        plugin: { keys: { signing: { kid: 'ed-2026', alg: 'EdDSA', privateKey: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string } } }
      })
      const token = await stepUpToken(testApp)
      t.same(headerOf(token), { alg: 'EdDSA', typ: 'step-up+jwt', kid: 'ed-2026' })
      t.equal((await doc(testApp, token)).statusCode, 200)

      const jwks = await testApp.app.inject({ url: '/step-up/.well-known/jwks.json' })
      t.equal(jwks.statusCode, 200, 'public: no login needed')
      const { keys } = jwks.json()
      t.equal(keys.length, 1)
      t.match(keys[0], { kty: 'OKP', crv: 'Ed25519', kid: 'ed-2026', alg: 'EdDSA', use: 'sig' })
      t.notOk('d' in keys[0], 'never the private part')

      // Another service: fetch the key set, pick the key by kid, verify with another library.
      const jwk = keys.find((key: { kid: string }) => key.kid === headerOf(token).kid)
      const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
      const verify = createVerifier({ key: pem, algorithms: ['EdDSA'], allowedIss: 'fastify-step-up', allowedAud: 'fastify-step-up', clockTimestamp: testApp.clock.now() })
      t.match(verify(token), { sub: 'alice', sid: 's1', amr: ['otp', 'email'] })
      const other = old.publicKey.export({ type: 'spki', format: 'pem' }) as string
      t.throws(() => createVerifier({ key: other, algorithms: ['EdDSA'], clockTimestamp: testApp.clock.now() })(token), 'another key does not verify it')
    })

    t.test('ES256 works the same way, and a key pair refuses HS256 tokens', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        plugin: { keys: { signing: { kid: 'ec-1', alg: 'ES256', privateKey: ec.privateKey } } }
      })
      const token = await stepUpToken(testApp)
      t.same(headerOf(token), { alg: 'ES256', typ: 'step-up+jwt', kid: 'ec-1' })
      t.equal((await doc(testApp, token)).statusCode, 200)
      const { keys } = (await testApp.app.inject({ url: '/step-up/.well-known/jwks.json' })).json()
      t.match(keys, [{ kty: 'EC', crv: 'P-256', kid: 'ec-1', alg: 'ES256' }])
      const pem = createPublicKey({ key: keys[0], format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
      t.match(createVerifier({ key: pem, algorithms: ['ES256'], clockTimestamp: testApp.clock.now() })(token), { sub: 'alice' })

      const hs = await buildApp(t, { framework })
      const hsToken = await stepUpToken(hs)
      const refused = await doc(testApp, hsToken)
      t.equal(refused.statusCode, 401)
      t.equal(refused.json().code, 'FST_STEP_UP_TOKEN_INVALID')
      t.equal((await hs.app.inject({ url: '/step-up/.well-known/jwks.json' })).statusCode, 404, 'HS256 has nothing to publish')
    })

    t.test('a token whose kid is unknown, or whose alg is not its key\'s, is refused', async (t) => {
      const testApp = await buildApp(t, {
        framework,
        plugin: { keys: { signing: { kid: 'ed', alg: 'EdDSA', privateKey: ed.privateKey }, verification: [{ kid: 'ec', alg: 'ES256', publicKey: ec.publicKey }] } }
      })
      const claims = JSON.parse(Buffer.from((await stepUpToken(testApp)).split('.')[1]!, 'base64url').toString())
      // ES256 low-S, as the plugin signs: it refuses the other valid form of each signature.
      const sign = async (header: Record<string, unknown>, key: import('node:crypto').KeyObject) => {
        const token = await new SignJWT(claims).setProtectedHeader({ typ: 'step-up+jwt', ...header } as never).sign(key)
        return header.alg === 'ES256' ? withLowS(token) : token
      }
      t.equal((await doc(testApp, await sign({ alg: 'EdDSA', kid: 'ed' }, ed.privateKey))).statusCode, 200, 'the control passes')
      t.equal((await doc(testApp, await sign({ alg: 'ES256', kid: 'ec' }, ec.privateKey))).statusCode, 200, 'a trusted verification key passes')
      for (const [name, token] of [
        ['unknown kid', await sign({ alg: 'EdDSA', kid: 'gone' }, ed.privateKey)],
        ['no kid', await sign({ alg: 'EdDSA' }, ed.privateKey)],
        ['ES256 under the EdDSA kid', await sign({ alg: 'ES256', kid: 'ed' }, ec.privateKey)]
      ] as const) {
        const reply = await doc(testApp, token)
        t.equal(reply.statusCode, 401, name)
        t.equal(reply.json().code, 'FST_STEP_UP_TOKEN_INVALID', name)
      }
    })

    t.test('rotation: a new signing key, the old public key still trusted until it is dropped', async (t) => {
      const before = await buildApp(t, {
        framework,
        plugin: { keys: { signing: { kid: 'old', alg: 'EdDSA', privateKey: old.privateKey } } }
      })
      const oldToken = await stepUpToken(before)
      const during = await buildApp(t, {
        framework,
        plugin: { keys: { signing: { kid: 'new', alg: 'EdDSA', privateKey: ed.privateKey }, verification: [{ kid: 'old', alg: 'EdDSA', publicKey: old.publicKey.export({ type: 'spki', format: 'pem' }) as string }] } }
      })
      t.equal((await doc(during, oldToken)).statusCode, 200, 'the old key still verifies')
      t.same((await during.app.inject({ url: '/step-up/.well-known/jwks.json' })).json().keys.map((k: { kid: string }) => k.kid), ['new', 'old'])
      const newToken = await stepUpToken(during)
      t.equal(headerOf(newToken).kid, 'new', 'new tokens are signed with the new key')
      const after = await buildApp(t, {
        framework,
        plugin: { keys: { signing: { kid: 'new', alg: 'EdDSA', privateKey: ed.privateKey } } }
      })
      t.equal((await doc(after, oldToken)).json().code, 'FST_STEP_UP_TOKEN_INVALID', 'once dropped, the old key verifies nothing')
      t.equal((await doc(after, newToken)).statusCode, 200)
    })
  })
}

t.test('key options are checked at registration', async (t) => {
  const register = async (keys: unknown) => {
    const app = Fastify()
    app.register(stepUp, { secret: SECRET, getUser: () => null, password: { verify: () => false }, keys: keys as never })
    try {
      await app.ready()
    } finally {
      await app.close()
    }
  }
  const pem = ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const cases: Array<[string, unknown]> = [
    ['keys', 'a key'],
    ['keys', { verification: [] }],
    ['keys.signing.kid', { signing: { kid: 'has spaces', alg: 'EdDSA', privateKey: pem } }],
    ['keys.signing.alg', { signing: { kid: 'k', alg: 'RS256', privateKey: pem } }],
    ['keys.signing.privateKey', { signing: { kid: 'k', alg: 'EdDSA', privateKey: 'not a key' } }],
    ['keys.signing.privateKey', { signing: { kid: 'k', alg: 'ES256', privateKey: pem } }],
    ['keys.verification[0].publicKey', { signing: { kid: 'k', alg: 'EdDSA', privateKey: pem }, verification: [{ kid: 'j', alg: 'EdDSA', publicKey: ec.publicKey }] }],
    ['keys.verification[0].kid', { signing: { kid: 'k', alg: 'EdDSA', privateKey: pem }, verification: [{ kid: 'k', alg: 'EdDSA', publicKey: old.publicKey }] }],
    ['keys.verification[0].publicKey', { signing: { kid: 'k', alg: 'EdDSA', privateKey: pem }, verification: [{ kid: 'j', alg: 'EdDSA', publicKey: { kty: 'nope' } }] }],
    ['keys.signing.privateKey', { signing: { kid: 'k', alg: 'EdDSA', privateKey: ed.publicKey } }]
  ]
  for (const [name, keys] of cases) {
    const err = await register(keys).catch((e: Error) => e)
    t.equal((err as { code?: string }).code, 'FST_STEP_UP_OPTION_INVALID', name)
    t.match((err as Error).message, `The ${name} option`, name)
  }
})

/** The claims of a token the app issued, signed again by hand under `kid` (ES256 low-S, as the plugin signs). */
async function resign (token: string, alg: 'EdDSA' | 'ES256', kid: string, key: KeyObject): Promise<string> {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
  const signed = await new SignJWT(claims).setProtectedHeader({ alg, typ: 'step-up+jwt', kid }).sign(key)
  return alg === 'ES256' ? withLowS(signed) : signed
}

t.test('JWKs work as well as PEM and KeyObjects', async (t) => {
  const testApp = await buildApp(t, {
    plugin: { keys: { signing: { kid: 'k', alg: 'EdDSA', privateKey: ed.privateKey.export({ format: 'jwk' }) }, verification: [{ kid: 'j', alg: 'ES256', publicKey: ec.publicKey.export({ format: 'jwk' }) }] } }
  })
  const token = await stepUpToken(testApp)
  t.same(headerOf(token), { alg: 'EdDSA', typ: 'step-up+jwt', kid: 'k' })
  const pem = ed.publicKey.export({ type: 'spki', format: 'pem' }) as string
  t.match(createVerifier({ key: pem, algorithms: ['EdDSA'], clockTimestamp: testApp.clock.now() })(token), { sub: 'alice' }, 'signed with the JWK signing key')
  t.equal((await doc(testApp, token)).statusCode, 200)
  t.equal((await doc(testApp, await resign(token, 'ES256', 'j', ec.privateKey))).statusCode, 200, 'the JWK verification key verifies')
  t.equal((await doc(testApp, await resign(token, 'ES256', 'j', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey))).statusCode, 401, 'and only its own signatures')
})

t.test('a private KeyObject where a public key is asked gives its public half, and only that', async (t) => {
  const testApp = await buildApp(t, {
    plugin: { keys: { signing: { kid: 'k', alg: 'EdDSA', privateKey: ed.privateKey }, verification: [{ kid: 'j', alg: 'ES256', publicKey: ec.privateKey }] } }
  })
  const { keys } = (await testApp.app.inject({ url: '/step-up/.well-known/jwks.json' })).json()
  const published = keys.find((key: { kid: string }) => key.kid === 'j')
  const { x, y } = ec.publicKey.export({ format: 'jwk' })
  t.same(published, { kty: 'EC', crv: 'P-256', x, y, kid: 'j', alg: 'ES256', use: 'sig' }, 'the public fields of its public half')
  t.notOk('d' in published, 'never the private part')
  const token = await stepUpToken(testApp)
  t.equal((await doc(testApp, await resign(token, 'ES256', 'j', ec.privateKey))).statusCode, 200, 'a token signed with the private half verifies')
})
