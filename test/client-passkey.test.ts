// fastify-step-up/client's passkey ceremony with a fake navigator.credentials: the options call, the
// base64url decoding (the browser's parser when there is one, else the client's), the assertion as
// JSON (toJSON, else encoded by hand), the verify call, and every way the ceremony stops.
import t from 'tap'
import {
  base64urlToBytes,
  bytesToBase64url,
  createStepUpClient,
  passkeyAssertionJSON,
  passkeyRequestOptions,
  runPasskeyCeremony,
  StepUpClientError,
  type CredentialsContainerLike,
  type FetchLike,
  type PasskeyAssertion,
  type PasskeyRequestOptions
} from '../lib/client/index.js'

const bytes = (...values: number[]) => new Uint8Array(values).buffer
const OPTIONS = {
  challenge: 'AAEC_-8',
  rpId: 'localhost',
  timeout: 120000,
  userVerification: 'required',
  allowCredentials: [{ id: 'qrs', type: 'public-key', transports: ['internal'] }]
}

/** A fetch that answers each route as the plugin would, and records what it was sent. */
function fakeServer (replies: Record<string, { status?: number, body: unknown }> = {}) {
  const calls: Array<{ url: string, body: any }> = []
  const fetch: FetchLike = async (input, init) => {
    const url = String(input)
    calls.push({ url, body: init?.body ? JSON.parse(String(init.body)) : undefined })
    const found = replies[url] ?? (url.endsWith('/options')
      ? { body: { challengeId: 'c'.repeat(22), expiresIn: 120, options: OPTIONS } }
      : { body: { token: 'the-token', expiresIn: 300 } })
    return new Response(JSON.stringify(found.body), { status: found.status ?? 200, headers: { 'content-type': 'application/json' } })
  }
  return { client: createStepUpClient({ fetch }), calls }
}

function assertion (extra: Partial<PasskeyAssertion> = {}): PasskeyAssertion {
  return {
    id: 'qrs',
    rawId: bytes(0xaa, 0xba),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    response: { clientDataJSON: bytes(1), authenticatorData: bytes(2, 3), signature: bytes(0xfb, 0xff), userHandle: bytes(9) },
    getClientExtensionResults: () => ({}),
    ...extra
  }
}

function fakeCredentials (result: unknown = assertion()) {
  const requests: PasskeyRequestOptions[] = []
  const credentials: CredentialsContainerLike = {
    async get ({ publicKey }) {
      requests.push(publicKey)
      return result
    }
  }
  return { credentials, requests }
}

t.test('base64url both ways', async (t) => {
  t.same([...new Uint8Array(base64urlToBytes('AAEC_-8'))], [0, 1, 2, 255, 239])
  t.same([...new Uint8Array(base64urlToBytes('AAEC_-8='))], [0, 1, 2, 255, 239], 'padding is allowed')
  t.same([...new Uint8Array(base64urlToBytes(''))], [])
  t.throws(() => base64urlToBytes('a+b/'), TypeError, 'base64 is not base64url')
  t.equal(bytesToBase64url(bytes(0, 1, 2, 255, 239)), 'AAEC_-8')
  t.equal(bytesToBase64url(new Uint8Array([9, 0, 1, 2, 255, 239]).subarray(1)), 'AAEC_-8', 'a view: only its own bytes')
  t.equal(bytesToBase64url(bytes()), '')
})

t.test('request options: the browser\'s parser when it has one, else decoded here', async (t) => {
  const decoded = passkeyRequestOptions(OPTIONS)
  t.same([...new Uint8Array(decoded.challenge)], [0, 1, 2, 255, 239])
  t.same([...new Uint8Array(decoded.allowCredentials![0]!.id)], [0xaa, 0xbb])
  t.same(decoded.allowCredentials![0]!.transports, ['internal'])
  t.match(decoded, { rpId: 'localhost', timeout: 120000, userVerification: 'required' })
  t.notOk('allowCredentials' in passkeyRequestOptions({ challenge: 'AA' }), 'no allowCredentials: none added')

  const parsed = { challenge: bytes(7) } as PasskeyRequestOptions
  t.equal(passkeyRequestOptions(OPTIONS, { parseRequestOptionsFromJSON: () => parsed }), parsed)
  t.same([...new Uint8Array(passkeyRequestOptions(OPTIONS, {}).challenge)], [0, 1, 2, 255, 239], 'a PublicKeyCredential without the parser')
})

t.test('the assertion as JSON: toJSON when there is one, else encoded here', async (t) => {
  t.same(passkeyAssertionJSON(assertion()), {
    id: 'qrs',
    rawId: 'qro',
    type: 'public-key',
    authenticatorAttachment: 'platform',
    clientExtensionResults: {},
    response: { clientDataJSON: 'AQ', authenticatorData: 'AgM', signature: '-_8', userHandle: 'CQ' }
  })
  const bare = passkeyAssertionJSON(assertion({
    authenticatorAttachment: null,
    getClientExtensionResults: undefined,
    response: { clientDataJSON: bytes(1), authenticatorData: bytes(2), signature: bytes(3), userHandle: null }
  }))
  t.same(bare, { id: 'qrs', rawId: 'qro', type: 'public-key', clientExtensionResults: {}, response: { clientDataJSON: 'AQ', authenticatorData: 'Ag', signature: 'Aw' } })
  t.same(passkeyAssertionJSON(assertion({ toJSON: () => ({ from: 'browser' }) })), { from: 'browser' })
})

t.test('the client\'s passkey calls', async (t) => {
  const { client, calls } = fakeServer()
  t.same(await client.passkeyOptions(), { challengeId: 'c'.repeat(22), expiresIn: 120, options: OPTIONS })
  await client.passkeyOptions({ name: 'pay', data: { amount: 5 } })
  t.same(calls.map(({ url, body }) => [url, body]), [
    ['/step-up/passkey/options', {}],
    ['/step-up/passkey/options', { action: { name: 'pay', data: { amount: 5 } } }]
  ])

  calls.length = 0
  t.same(await client.verifyPasskey('c1', assertion()), { token: 'the-token', expiresIn: 300 })
  await client.verifyPasskey('c2', { id: 'qrs', rawId: 'qro', response: {} })
  await client.verifyPasskey('c3', { already: 'json' })
  t.same(calls.map(({ url, body }) => [url, body.challengeId, body.response.rawId]), [
    ['/step-up/passkey/verify', 'c1', 'qro'],
    ['/step-up/passkey/verify', 'c2', 'qro'],
    ['/step-up/passkey/verify', 'c3', undefined]
  ], 'a PublicKeyCredential is encoded; JSON goes as it is')
  t.same(calls[2]!.body.response, { already: 'json' })
})

t.test('runPasskeyCeremony', async (t) => {
  t.test('options, the browser\'s prompt, verify: the token', async (t) => {
    const { client, calls } = fakeServer()
    const { credentials, requests } = fakeCredentials()
    const issued = await runPasskeyCeremony(client, { credentials, action: { name: 'pay' } })
    t.same(issued, { token: 'the-token', expiresIn: 300 })
    t.same(calls[0]!.body, { action: { name: 'pay' } })
    t.same([...new Uint8Array(requests[0]!.challenge)], [0, 1, 2, 255, 239], 'the challenge went to the browser as bytes')
    t.same(calls[1]!.body, { challengeId: 'c'.repeat(22), response: passkeyAssertionJSON(assertion()), action: { name: 'pay' } }, 'the answer names the action it approves')
  })

  t.test('the globals by default: navigator.credentials and PublicKeyCredential', async (t) => {
    const { client } = fakeServer()
    const { credentials, requests } = fakeCredentials()
    const parsed = { challenge: bytes(7) } as PasskeyRequestOptions
    const scope = globalThis as Record<string, unknown>
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    Object.defineProperty(globalThis, 'navigator', { value: { credentials }, configurable: true })
    scope.PublicKeyCredential = { parseRequestOptionsFromJSON: () => parsed }
    t.teardown(() => {
      if (saved) Object.defineProperty(globalThis, 'navigator', saved)
      delete scope.PublicKeyCredential
    })
    await runPasskeyCeremony(client)
    t.equal(requests[0], parsed)
  })

  t.test('a signal goes to the browser', async (t) => {
    const { client } = fakeServer()
    let given: unknown
    const signal = new AbortController().signal
    await runPasskeyCeremony(client, { credentials: { get: async (options) => { given = options.signal; return assertion() } }, signal })
    t.equal(given, signal)
  })

  t.test('no WebAuthn in this browser', async (t) => {
    const { client, calls } = fakeServer()
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator')
    Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true })
    t.teardown(() => { if (saved) Object.defineProperty(globalThis, 'navigator', saved) })
    await t.rejects(runPasskeyCeremony(client), { name: 'TypeError', message: /cannot use passkeys/ })
    await t.rejects(runPasskeyCeremony(client, { credentials: {} as CredentialsContainerLike }), TypeError)
    t.equal(calls.length, 0, 'nothing asked of the server')
  })

  t.test('the browser gives nothing, or the person cancels', async (t) => {
    const { client, calls } = fakeServer()
    await t.rejects(runPasskeyCeremony(client, fakeCredentials(null)), { name: 'TypeError', message: 'The browser gave no passkey' })
    const cancelled = Object.assign(new Error('The operation either timed out or was not allowed.'), { name: 'NotAllowedError' })
    await t.rejects(runPasskeyCeremony(client, { credentials: { get: () => Promise.reject(cancelled) } }), cancelled)
    t.same(calls.map(({ url }) => url), ['/step-up/passkey/options', '/step-up/passkey/options'], 'nothing verified')
  })

  t.test('the server refuses', async (t) => {
    const { client } = fakeServer({
      '/step-up/passkey/verify': { status: 400, body: { statusCode: 400, code: 'FST_STEP_UP_PASSKEY_INVALID', message: 'The passkey was not accepted: it was made on another origin' } }
    })
    const err = await runPasskeyCeremony(client, fakeCredentials()).catch((e: unknown) => e)
    t.ok(err instanceof StepUpClientError)
    t.match(err, { code: 'FST_STEP_UP_PASSKEY_INVALID', statusCode: 400, message: /another origin/ })
  })
})
