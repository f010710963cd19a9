// Passkeys in examples/web, in headless Chromium with a virtual authenticator (DevTools protocol
// WebAuthn domain: ctap2, internal transport, resident keys, user verification on): register a
// passkey on the security settings page (a factor change: a step-up with the demo authenticator app
// first, its code computed with otplib), step up with it and read the document; then what must be
// refused: a replayed assertion, an assertion made on another origin, the page opened at 127.0.0.1
// (not the RP ID), and a credential the server no longer knows (removed from another session).
// Screenshots in test-artifacts/web/.
//
// Skipped without Chromium, as web.e2e.test.ts is, unless STEP_UP_REQUIRE_BROWSER=1.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BrowserContext, Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { addPasskeyWithTotp, addVirtualAuthenticator, browserTests, DESKTOP, direct, openDocument, openPage, openSettings, shot, signIn, startWebExample } from './helpers/web.js'

async function post (url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number, json: any }> {
  const response = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: response.status, json: await response.json() }
}

/** A second site on localhost, another port: another origin under the same RP ID, as a look-alike page would be. */
async function otherOrigin (t: Test): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Another origin</title><p>Another origin</p>')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return `http://localhost:${(server.address() as AddressInfo).port}`
}

/**
 * Removes the passkey from another session of the same user, on another page with a copy of the
 * credential (as on another device the passkey syncs to): sign in, security settings, remove it,
 * confirm with the passkey.
 */
async function removeFromAnotherSession (context: BrowserContext, base: string, credential: object): Promise<void> {
  const other = await context.newPage()
  try {
    const { cdp, authenticatorId } = await addVirtualAuthenticator(context, other)
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: credential as never })
    await signIn(other, base)
    await openSettings(other)
    await other.getByRole('button', { name: 'Remove Passkey' }).click()
    const dialog = other.getByRole('dialog', { name: 'Confirm it\'s you' })
    await dialog.getByRole('radio', { name: /^Passkey/ }).check()
    await dialog.getByRole('button', { name: 'Use a passkey' }).click()
    await other.locator('#factors-status').filter({ hasText: '“Passkey” removed.' }).waitFor()
  } finally {
    await other.close()
  }
}

/** Steps up with the passkey in the dialog; resolves once the document shows. */
async function stepUpWithPasskey (page: Page): Promise<void> {
  const dialog = await openDocument(page)
  await dialog.getByRole('radio', { name: /^Passkey/ }).check()
  await dialog.getByRole('button', { name: 'Use a passkey' }).click()
}

browserTests(t, (browser) => {
  t.test('passkeys: register, step up, and the refusals', async (t) => {
    const base = await startWebExample(t, ['--dev'])
    t.match(base, /^http:\/\/localhost:\d+$/, 'the demo gives its localhost address: the RP ID')
    const { page, errors, context } = await openPage(t, browser(), DESKTOP)
    const { cdp, authenticatorId } = await addVirtualAuthenticator(context, page)
    const stored = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials

    /** Every verify request the page sends, with its headers (for the replay), and a hook to run before it goes. */
    const verifies: Array<{ body: string, headers: Record<string, string> }> = []
    let beforeVerify: ((body: any, headers: Record<string, string>) => Promise<void>) | undefined
    await page.route('**/step-up/passkey/verify', async (route) => {
      const request = route.request()
      const sent = { body: request.postData() ?? '', headers: request.headers() }
      verifies.push(sent)
      await beforeVerify?.(JSON.parse(sent.body), sent.headers)
      await route.continue()
    })

    await t.test('register a passkey on the security settings page', async (t) => {
      await signIn(page, base)
      await openSettings(page)
      t.notOk((await page.locator('#factor-list').innerText()).includes('Passkey'), 'no passkey yet')
      await shot(page, '20-passkey-none')
      // A factor change: the dialog asks for the strongest factor she has, the demo authenticator app.
      await addPasskeyWithTotp(page)
      const credentials = await stored()
      t.equal(credentials.length, 1, 'the authenticator holds one credential')
      t.equal(credentials[0]!.rpId, 'localhost')
      t.ok(credentials[0]!.isResidentCredential, 'a discoverable credential (a passkey)')
      await shot(page, '21-passkey-registered')
      await page.getByRole('button', { name: 'Documents' }).click()
    })

    await t.test('step up with it and read the document', async (t) => {
      const dialog = await openDocument(page)
      t.ok((await dialog.locator('.choice-label').allInnerTexts()).includes('Passkey'), 'the dialog offers the passkey')
      await dialog.getByRole('radio', { name: /^Passkey/ }).check()
      t.equal(await dialog.locator('#step-up-submit').innerText(), 'Use a passkey')
      await shot(page, '22-passkey-dialog')
      await dialog.getByRole('button', { name: 'Use a passkey' }).click()
      await page.getByRole('heading', { name: 'Quarterly payroll', level: 2 }).waitFor()
      t.notOk(await dialog.isVisible(), 'the dialog closed')
      t.equal(verifies.length, 1, 'one assertion sent')
      const signCount = (await stored())[0]!.signCount
      t.ok(signCount >= 1, `the authenticator counted (${signCount})`)
      await shot(page, '23-passkey-document')
    })

    await t.test('a replayed assertion is refused', async (t) => {
      const { body, headers } = verifies[0]!
      // Sent again from the page, as it was: same login, same challenge, same signature.
      const replay = await page.evaluate(async ({ body, authorization }) => {
        const response = await fetch('/step-up/passkey/verify', { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body })
        return { status: response.status, json: await response.json() as { code: string, message: string } }
      }, { body, authorization: headers.authorization! })
      t.equal(replay.status, 400)
      t.equal(replay.json.code, 'FST_STEP_UP_CODE_USED')
      t.equal(replay.json.message, 'The code has already been used; ask for a new one')
    })

    await t.test('an assertion made on another origin is refused', async (t) => {
      const api = direct(base)
      const { authorization } = verifies[0]!.headers as { authorization: string }
      const started = await post(`${api}/step-up/passkey/options`, { authorization }, {})
      t.equal(started.status, 200)
      // The same authenticator answers on a page at another origin (same RP ID, another port).
      const elsewhere = await otherOrigin(t)
      const other = await context.newPage()
      t.teardown(() => other.close())
      const otherCdp = await context.newCDPSession(other)
      await otherCdp.send('WebAuthn.enable')
      const { authenticatorId: otherId } = await otherCdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true }
      })
      // The credential copied, private key and all: the look-alike page gets a real signature.
      const [credential] = await stored()
      await otherCdp.send('WebAuthn.addCredential', { authenticatorId: otherId, credential: credential! })
      await other.goto(`${elsewhere}/`)
      // Runs in the page (the test's types have no DOM: the browser's globals are typed here by hand).
      const response = await other.evaluate(async (json) => {
        const browser = globalThis as unknown as {
          PublicKeyCredential: { parseRequestOptionsFromJSON (json: unknown): unknown }
          navigator: { credentials: { get (options: { publicKey: unknown }): Promise<{ toJSON (): unknown }> } }
        }
        const publicKey = browser.PublicKeyCredential.parseRequestOptionsFromJSON(json)
        return (await browser.navigator.credentials.get({ publicKey })).toJSON()
      }, started.json.options)
      const refused = await post(`${api}/step-up/passkey/verify`, { authorization }, { challengeId: started.json.challengeId, response })
      t.equal(refused.status, 400)
      t.equal(refused.json.code, 'FST_STEP_UP_PASSKEY_INVALID')
      t.equal(refused.json.message, 'The passkey was not accepted: it was made on another origin')
    })

    await t.test('the page at 127.0.0.1: the browser refuses the RP ID, and the dialog says why', async (t) => {
      const { page: ip, errors: ipErrors, context: ipContext } = await openPage(t, browser(), DESKTOP)
      const ipCdp = await ipContext.newCDPSession(ip)
      await ipCdp.send('WebAuthn.enable')
      await ipCdp.send('WebAuthn.addVirtualAuthenticator', {
        options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true }
      })
      await signIn(ip, direct(base))
      await stepUpWithPasskey(ip)
      const dialog = ip.getByRole('dialog', { name: 'Confirm it\'s you' })
      await dialog.getByRole('alert').filter({ hasText: 'Passkeys do not work on this address.' }).waitFor()
      t.notOk(await ip.locator('#document').isVisible(), 'the document stays closed')
      await shot(ip, '24-passkey-wrong-address')
      t.same(ipErrors, [], 'no script errors on the page')
    })

    await t.test('a credential the server no longer knows is refused', async (t) => {
      // Sign in again: a new session, so no step-up token from before.
      await page.getByRole('button', { name: 'Sign out' }).click()
      await signIn(page, base)
      // Between the options and the answer, the passkey is removed from the account, in another session.
      const [credential] = await stored()
      beforeVerify = async () => {
        await removeFromAnotherSession(context, base, credential!)
        t.pass('removed from the account')
      }
      await stepUpWithPasskey(page)
      const dialog = page.getByRole('dialog', { name: 'Confirm it\'s you' })
      await dialog.getByRole('alert').filter({ hasText: 'That passkey was not accepted: it is not registered for this account.' }).waitFor()
      t.notOk(await page.locator('#document').isVisible(), 'the document stays closed')
      await shot(page, '25-passkey-unknown')
      beforeVerify = undefined
    })

    t.same(errors, [], 'no script errors on the page')
  })
})
