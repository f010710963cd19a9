// fastify-step-up/client's factor calls against the real plugin (the factor test app, on both
// frameworks): listing, an authenticator app confirmed with the step-up prompt after the refusal,
// backup codes, a PIN, a passkey registered through a stand-in for navigator.credentials.create()
// (the software authenticator), and a removal. Each change goes through the server's rules: the
// prompt gets the real RFC 9470 challenge, and the retry carries the token it returned.
import t from 'tap'
import {
  base64urlToBytes,
  createStepUpClient,
  passkeyAttestationJSON,
  passkeyCreationOptions,
  registerPasskeyFactor,
  StepUpClientError,
  type FactorKindName,
  type FetchLike,
  type PasskeyAttestation,
  type PasskeyCreationOptions,
  type StepUpChallenge,
  type StepUpClient
} from '../lib/client/index.js'
import type { FactorKind } from '../lib/factors/types.js'
import { frameworks, type TestApp } from './helpers/app.js'
import { buildFactorApp, passwordToken, totpCode, totpToken } from './helpers/factors.js'
import { SoftAuthenticator } from './helpers/passkey.js'

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const sameKinds: Same<FactorKindName, FactorKind> = true
t.ok(sameKinds, 'the client names the same factor kinds as the server')

/** A fetch that sends through the test app's client (inject, or a real server for Express), recording each request. */
function fetchThrough (testApp: TestApp): FetchLike & { seen: Request[] } {
  const seen: Request[] = []
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    seen.push(request.clone())
    const url = new URL(request.url)
    const body = await request.text()
    const reply = await testApp.app.inject({
      method: request.method as 'GET',
      url: url.pathname,
      headers: Object.fromEntries(request.headers),
      ...(body ? { body } : {})
    })
    return new Response(reply.body === '' ? null : reply.body, { status: reply.statusCode, headers: reply.headers })
  }
  return Object.assign(fake, { seen })
}

/** A stand-in for navigator.credentials: the software authenticator answers create() as a browser would, with bytes. */
function authenticatorFor (key: SoftAuthenticator, withJson: boolean): { create (options: { publicKey: PasskeyCreationOptions, signal?: unknown }): Promise<PasskeyAttestation> } & { calls: unknown[] } {
  const calls: unknown[] = []
  return {
    calls,
    async create (options) {
      calls.push(options)
      const challenge = Buffer.from(options.publicKey.challenge).toString('base64url')
      const json = key.register(challenge)
      const bytes = (value: string) => base64urlToBytes(value)
      return {
        id: json.id,
        rawId: bytes(json.rawId),
        type: json.type,
        authenticatorAttachment: 'platform',
        response: {
          clientDataJSON: bytes(json.response.clientDataJSON),
          attestationObject: bytes(json.response.attestationObject),
          ...(withJson ? {} : { getTransports: () => ['internal'] })
        },
        ...(withJson ? { toJSON: () => json } : {})
      }
    }
  }
}

for (const framework of frameworks) {
  t.test(framework, async (t) => {
    const testApp = await buildFactorApp(t, { framework })
    const fetch = fetchThrough(testApp)
    const prompted: StepUpChallenge[] = []
    let answer: () => Promise<string | null> = () => passwordToken(testApp)
    const client: StepUpClient = createStepUpClient({
      baseUrl: 'http://app.test/step-up/',
      fetch,
      headers: { 'x-user': 'alice', 'x-session': 's1' },
      async prompt (challenge) {
        prompted.push(challenge)
        return answer()
      }
    })
    const bare = createStepUpClient({ baseUrl: 'http://app.test/step-up', fetch, headers: { 'x-user': 'alice', 'x-session': 's1' } })

    const listing = await client.listFactors()
    t.same(listing.factors, [], 'no factor yet')
    t.same(listing.kinds.map(({ kind }) => kind).sort(), ['backup-codes', 'passkey', 'pin', 'totp'])
    t.same(listing.change.methods, ['password'], 'the first factor needs the password')

    let secret = ''
    await t.test('an authenticator app: a refused confirm goes to the prompt, and the retry saves it', async (t) => {
      const started = await client.startTotp()
      secret = started.secret
      t.match(started.qrCode, /^data:image\/png;base64,/)
      t.equal(started.manualEntryKey.replace(/ /g, ''), secret)
      const code = await totpCode(testApp.clock, secret)

      const refused = await bare.confirmTotp({ code }).catch((err: unknown) => err)
      t.type(refused, StepUpClientError, 'without a prompt, the refusal rejects')
      t.match(refused, { statusCode: 401, code: 'FST_STEP_UP_TOKEN_MISSING', body: { stepUp: { methods: ['password'] } } })

      fetch.seen.length = 0
      const { factor } = await client.confirmTotp({ code, label: 'My phone' })
      t.match(factor, { kind: 'totp', label: 'My phone' })
      t.equal(prompted.length, 1, 'the prompt ran once')
      t.match(prompted[0], { methods: ['password'], maxAge: 300, code: 'FST_STEP_UP_TOKEN_MISSING' }, 'with the server\'s challenge')
      t.equal(fetch.seen.length, 2, 'sent, refused, sent again')
      t.equal(fetch.seen[0]!.headers.get('x-step-up-token'), null, 'first without a token')
      t.ok(fetch.seen[1]!.headers.get('x-step-up-token'), 'then with the prompt\'s token')
      t.equal(await fetch.seen[1]!.text(), JSON.stringify({ code, label: 'My phone' }), 'the same body')
    })

    await t.test('a token in hand is sent first; a weaker one is refused and the prompt is asked', async (t) => {
      prompted.length = 0
      fetch.seen.length = 0
      const renewed = await client.renewBackupCodes({ token: await totpToken(testApp, secret) })
      t.equal(renewed.codes.length, 10, 'ten codes, shown once')
      t.equal(prompted.length, 0, 'no prompt: the token did')
      t.equal(fetch.seen.length, 1)

      // The app is now the strongest factor: a password step-up does not do.
      answer = async () => totpToken(testApp, secret)
      const { factor } = await client.setPin('4826', { token: await passwordToken(testApp) })
      t.equal(factor.kind, 'pin')
      t.match(prompted, [{ code: 'FST_STEP_UP_INSUFFICIENT', methods: ['totp'] }], 'the prompt learned which method would do')
    })

    await t.test('a call\'s own prompt, and a prompt that gives up', async (t) => {
      const own: StepUpChallenge[] = []
      prompted.length = 0
      const pin = await client.setPin('5937', { prompt: async (challenge) => { own.push(challenge); return totpToken(testApp, secret) } })
      t.equal(pin.factor.kind, 'pin')
      t.equal(own.length, 1, 'the call\'s prompt ran')
      t.equal(prompted.length, 0, 'not the client\'s')

      const given = await client.removeFactor(pin.factor.id, { prompt: () => null }).catch((err: unknown) => err)
      t.match(given, { name: 'StepUpClientError', statusCode: 401, code: 'FST_STEP_UP_TOKEN_MISSING' }, 'a prompt that resolves null: the 401 rejects')
      t.ok((await client.listFactors()).factors.some(({ id }) => id === pin.factor.id), 'nothing removed')
    })

    const key = new SoftAuthenticator()
    await t.test('a passkey: the ceremony with the browser\'s stand-in, then the change', async (t) => {
      const credentials = authenticatorFor(key, false)
      answer = async () => totpToken(testApp, secret)
      const { factor } = await registerPasskeyFactor(client, { credentials, label: 'Laptop', authenticatorAttachment: 'platform', signal: 'stop', publicKeyCredential: {} })
      t.match(factor, { kind: 'passkey', label: 'Laptop', transports: ['internal'] })
      t.match(credentials.calls[0], { signal: 'stop', publicKey: { user: { name: 'alice@example.com' } } })
      t.type((credentials.calls[0] as { publicKey: PasskeyCreationOptions }).publicKey.challenge, ArrayBuffer, 'the challenge decoded to bytes')

      // Now a passkey is the strongest: a second one with toJSON() and the browser's parser, and the token of a passkey step-up.
      const second = new SoftAuthenticator()
      let parsed = 0
      const options = await client.passkeyRegistrationOptions()
      t.same(options.options.excludeCredentials?.map(({ id }) => id), [key.id], 'the first passkey is excluded')
      const publicKeyCredential = { parseCreationOptionsFromJSON: (json: Parameters<typeof passkeyCreationOptions>[0]) => { parsed++; return passkeyCreationOptions(json) } }
      const started = await client.passkeyOptions()
      const { token } = await client.verifyPasskey(started.challengeId, key.assert(started.options.challenge))
      const added = await registerPasskeyFactor(client, { credentials: authenticatorFor(second, true), token, publicKeyCredential })
      t.match(added.factor, { kind: 'passkey', label: 'Passkey' })
      t.equal(parsed, 1, 'the browser\'s parser was used')

      const json = await client.passkeyRegistrationOptions({ authenticatorAttachment: 'cross-platform' })
      const registration = new SoftAuthenticator().register(json.options.challenge)
      const refused = await client.verifyPasskeyRegistration(json.challengeId, registration, { label: 'Key' }, { prompt: () => undefined }).catch((err: unknown) => err)
      t.match(refused, { statusCode: 401, code: 'FST_STEP_UP_TOKEN_MISSING', body: { stepUp: { methods: ['passkey'] } } }, 'JSON sent as it is; a passkey is now needed')
    })

    await t.test('no WebAuthn, or no credential from the browser', async (t) => {
      await t.rejects(registerPasskeyFactor(client), new TypeError('This browser cannot use passkeys (no navigator.credentials)'))
      await t.rejects(registerPasskeyFactor(client, { credentials: { create: async () => null } }), new TypeError('The browser gave no passkey'))
    })

    await t.test('a removal, with a passkey step-up from the prompt: the factor is gone', async (t) => {
      const backup = (await client.listFactors()).factors.find(({ kind }) => kind === 'backup-codes')!
      answer = async () => {
        const started = await client.passkeyOptions()
        return (await client.verifyPasskey(started.challengeId, key.assert(started.options.challenge))).token
      }
      const { factor } = await client.removeFactor(backup.id)
      t.equal(factor.id, backup.id)
      t.notOk((await client.listFactors()).factors.some(({ id }) => id === backup.id), 'gone from the list')
      t.notOk((await client.methods()).some(({ method }) => method === 'backup-code'), 'and from the step-up methods')
    })
  })
}

t.test('the registration steps on their own: options decoded, an attestation encoded by hand, the globals', async (t) => {
  const options = passkeyCreationOptions({
    challenge: 'AQID',
    rp: { name: 'Example' },
    user: { id: 'BAU', name: 'alice', displayName: 'Alice' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    timeout: 60000
  })
  t.same(new Uint8Array(options.challenge), [1, 2, 3])
  t.same(new Uint8Array(options.user.id), [4, 5])
  t.notOk('excludeCredentials' in options, 'none to exclude: none added')
  t.equal(options.timeout, 60000, 'the rest as it was')

  const bytes = (...values: number[]) => new Uint8Array(values).buffer
  t.same(passkeyAttestationJSON({
    id: 'Bg',
    rawId: bytes(6),
    type: 'public-key',
    response: { clientDataJSON: bytes(7), attestationObject: bytes(8) },
    getClientExtensionResults: () => ({ credProps: { rk: true } })
  }), {
    id: 'Bg',
    rawId: 'Bg',
    type: 'public-key',
    clientExtensionResults: { credProps: { rk: true } },
    response: { clientDataJSON: 'Bw', attestationObject: 'CA', transports: [] }
  }, 'no attachment, no transports: none sent; the extension results as the browser gave them')

  const scope = globalThis as Record<string, unknown>
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
  let created: unknown
  const credentials = { create: async (options: unknown) => { created = options; return null } }
  Object.defineProperty(globalThis, 'navigator', { value: { credentials }, configurable: true })
  t.teardown(() => {
    if (saved) Object.defineProperty(globalThis, 'navigator', saved)
    else delete scope.navigator
  })
  const calls = {
    passkeyRegistrationOptions: async () => ({ challengeId: 'c', expiresIn: 60, options: { challenge: 'AQID', rp: { name: 'Example' }, user: { id: 'BAU', name: 'a', displayName: 'A' }, pubKeyCredParams: [] } }),
    verifyPasskeyRegistration: async () => { throw new Error('not reached') }
  }
  await t.rejects(registerPasskeyFactor(calls), new TypeError('The browser gave no passkey'))
  t.match(created, { publicKey: { rp: { name: 'Example' } } }, 'navigator.credentials by default')
  t.notOk('signal' in (created as object), 'no signal: none passed')
})
