// The "Security settings" page of examples/web in headless Chromium, as a person uses it: the
// factors listed, an authenticator app added (its QR code's manual key turned into a code with
// otplib, as the app would), a passkey registered (a virtual authenticator through the DevTools
// protocol), new backup codes shown once, a new PIN, and a removal. Every change is first sent
// without a step-up token and refused, the step-up dialog opens, and the change goes through once
// the person confirms it's them, with their strongest factor at the time. What changed works (or
// stops working) for a step-up at once. Screenshots in test-artifacts/web/.
//
// Skipped without Chromium, as web.e2e.test.ts is, unless STEP_UP_REQUIRE_BROWSER=1.
import type { Locator } from 'playwright-core'
import { generate } from 'otplib'
import t, { type Test } from 'tap'
import { addVirtualAuthenticator, browserTests, DEMO_TOTP_SECRET, DESKTOP, direct, openPage, openSettings, shot, signIn, startWebExample } from './helpers/web.js'

browserTests(t, (browser) => {
  t.test('security settings: every factor change behind a fresh step-up', async (t) => {
    const base = await startWebExample(t, ['--dev'])
    const { page, errors, context } = await openPage(t, browser(), DESKTOP)
    const { cdp, authenticatorId } = await addVirtualAuthenticator(context, page)

    // The server's step-up clock (dev mode): moved ahead between TOTP step-ups, so each uses a new
    // time step (a code works once per step), and to make a step-up token too old for the document.
    let offsetMs = 0
    const advance = async (t: Test, minutes: number) => {
      const moved = await fetch(`${direct(base)}/dev/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minutes }) })
      t.equal(moved.status, 200, `dev clock +${minutes} min`)
      offsetMs += minutes * 60_000
    }
    /** What the authenticator app shows now, by the server's clock. */
    const codeFor = (secret: string) => generate({ secret, epoch: Math.floor((Date.now() + offsetMs) / 1000) })

    /** Every factor-route reply the page got, by route, in order. */
    const replies: Array<{ route: string, status: number, token: boolean }> = []
    page.on('response', (response) => {
      const url = new URL(response.url())
      if (!url.pathname.startsWith('/step-up/factors')) return
      replies.push({ route: `${response.request().method()} ${url.pathname}`, status: response.status(), token: 'x-step-up-token' in response.request().headers() })
    })
    const repliesTo = (route: string) => replies.filter((reply) => reply.route === route).map(({ status, token }) => ({ status, token }))

    const dialog = page.getByRole('dialog', { name: 'Confirm it\'s you' })
    const status = page.locator('#factors-status')
    const factorNames = () => page.locator('#factor-list .factor strong').allInnerTexts()
    const offered = async () => {
      await dialog.getByRole('radio').first().waitFor()
      return dialog.locator('.choice-label').allInnerTexts()
    }
    async function stepUpWithTotp (secret: string): Promise<void> {
      await dialog.getByRole('radio', { name: /^Authenticator app/ }).check()
      await dialog.getByRole('button', { name: 'Continue' }).click()
      await dialog.getByLabel('Code from your authenticator app').fill(await codeFor(secret))
      await dialog.getByRole('button', { name: 'Verify' }).click()
    }
    async function stepUpWithPasskey (): Promise<void> {
      await dialog.getByRole('radio', { name: /^Passkey/ }).check()
      await dialog.getByRole('button', { name: 'Use a passkey' }).click()
    }
    async function openDocument (): Promise<Locator> {
      await page.getByRole('button', { name: 'Documents' }).click()
      await page.getByRole('button', { name: 'Open Quarterly payroll' }).click()
      return dialog
    }

    await t.test('the page lists the demo user\'s factors', async (t) => {
      await signIn(page, base)
      await openSettings(page)
      t.same(await factorNames(), ['Demo authenticator app', 'Backup codes', 'PIN'])
      t.match(await page.locator('#factor-list').innerText(), /5 codes left/)
      await shot(page, '30-security-settings')
    })

    let secret = ''
    await t.test('add an authenticator app: the change is refused, the dialog asks for the app, then it is saved', async (t) => {
      await page.getByRole('button', { name: 'Add an authenticator app' }).click()
      const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' })
      await qr.waitFor()
      t.ok(await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0), 'the QR code shows')
      const key = await page.locator('#totp-key').innerText()
      t.match(key, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/, 'a manual entry key in groups')
      secret = key.replace(/ /g, '')
      await page.getByLabel('Name').fill('Work phone')
      await page.getByLabel('Code from the app').fill(await codeFor(secret))
      await shot(page, '31-totp-enrol')
      await page.getByRole('button', { name: 'Confirm' }).click()

      t.same(await offered(), ['Authenticator app'], 'the dialog offers only the strongest factor she has')
      t.match(await page.locator('#step-up-reason').innerText(), /Changing how you sign in needs a verification from the last 5 minutes/)
      t.same(repliesTo('POST /step-up/factors/totp/confirm'), [{ status: 401, token: false }], 'sent without a token: refused')
      await shot(page, '32-change-dialog')
      await stepUpWithTotp(DEMO_TOTP_SECRET)
      await status.filter({ hasText: 'Authenticator app “Work phone” added.' }).waitFor()
      t.same(repliesTo('POST /step-up/factors/totp/confirm'), [{ status: 401, token: false }, { status: 200, token: true }], 'sent again with the token: saved')
      t.same(await factorNames(), ['Demo authenticator app', 'Backup codes', 'PIN', 'Work phone'])
      t.ok(await page.locator('#totp-enrol').isHidden(), 'the QR code is gone')
    })

    await t.test('the new app works for a step-up at once', async (t) => {
      await advance(t, 1)
      await openDocument()
      t.ok((await offered()).includes('Authenticator app'))
      await stepUpWithTotp(secret)
      await page.getByRole('heading', { name: 'Quarterly payroll', level: 2 }).waitFor()
      t.notOk(await dialog.isVisible(), 'the dialog closed')
    })

    await t.test('register a passkey, after a step-up with the new app', async (t) => {
      await advance(t, 1)
      await openSettings(page)
      await page.getByRole('button', { name: 'Add a passkey' }).click()
      t.same(await offered(), ['Authenticator app'])
      await stepUpWithTotp(secret)
      await status.filter({ hasText: 'Passkey “Passkey” added.' }).waitFor()
      const credentials = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials
      t.equal(credentials.length, 1, 'the authenticator holds one credential')
      t.equal(credentials[0]!.rpId, 'localhost')
      t.same(await factorNames(), ['Demo authenticator app', 'Backup codes', 'PIN', 'Work phone', 'Passkey'])
      t.same(repliesTo('POST /step-up/factors/passkeys/verify').map(({ status }) => status), [401, 200], 'refused, then saved with the token')
    })

    await t.test('new backup codes, shown once: the passkey is now what a change needs', async (t) => {
      await page.getByRole('button', { name: 'New backup codes' }).click()
      t.same(await offered(), ['Passkey'], 'only the passkey, her strongest factor, will do')
      await stepUpWithPasskey()
      await status.filter({ hasText: 'New backup codes made' }).waitFor()
      const codes = await page.getByRole('list', { name: 'New backup codes' }).locator('li').allInnerTexts()
      t.equal(codes.length, 5, 'five new codes')
      t.equal(new Set(codes).size, 5, 'all different')
      t.match(await page.locator('#factor-list').innerText(), /5 codes left/)
      await page.locator('#backup-codes-new').scrollIntoViewIfNeeded()
      await shot(page, '33-backup-codes')
      await openSettings(page)
      t.ok(await page.locator('#backup-codes-new').isHidden(), 'not shown again')
    })

    await t.test('a new PIN works for a step-up at once', async (t) => {
      await page.getByLabel('New PIN').fill('4826')
      await page.getByRole('button', { name: 'Change PIN' }).click()
      await stepUpWithPasskey()
      await status.filter({ hasText: 'PIN saved.' }).waitFor()
      // The document's step-up token is too old now: the document asks again.
      await advance(t, 6)
      await openDocument()
      await dialog.getByRole('radio', { name: /^PIN/ }).check()
      await dialog.getByRole('button', { name: 'Continue' }).click()
      await dialog.getByLabel('PIN').fill('2468')
      await dialog.getByRole('button', { name: 'Verify' }).click()
      await dialog.getByRole('alert').filter({ hasText: /not correct/ }).waitFor()
      t.pass('the old PIN is refused')
      await dialog.getByLabel('PIN').fill('4826')
      await dialog.getByRole('button', { name: 'Verify' }).click()
      await page.getByRole('heading', { name: 'Quarterly payroll', level: 2 }).waitFor()
      t.notOk(await dialog.isVisible(), 'the new PIN opened the document')
    })

    await t.test('remove a factor: it is gone from the list and from the step-up methods', async (t) => {
      await openSettings(page)
      await page.getByRole('button', { name: 'Remove Backup codes' }).click()
      await stepUpWithPasskey()
      await status.filter({ hasText: '“Backup codes” removed.' }).waitFor()
      t.same((await factorNames()).sort(), ['Demo authenticator app', 'PIN', 'Passkey', 'Work phone'])
      await shot(page, '34-factor-removed')
      await advance(t, 6)
      await openDocument()
      const methods = await offered()
      t.notOk(methods.includes('Backup code'), 'no backup code in the step-up dialog')
      t.ok(methods.includes('Passkey') && methods.includes('Authenticator app'), 'the others are there')
      await dialog.getByRole('button', { name: 'Cancel' }).click()
    })

    await t.test('a change the person does not confirm changes nothing', async (t) => {
      await openSettings(page)
      await page.getByRole('button', { name: 'Remove Work phone' }).click()
      await offered()
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await page.locator('#factors-error').filter({ hasText: 'You did not confirm it\'s you, so nothing changed.' }).waitFor()
      t.ok((await factorNames()).includes('Work phone'), 'still there')
      t.ok(replies.some(({ route, status }) => route.startsWith('DELETE ') && status === 401), 'the removal was refused')
    })

    t.same(errors, [], 'no script errors on the page')
  })
})
