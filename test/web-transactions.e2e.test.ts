// Transaction signing in examples/web, in headless Chromium with a virtual authenticator (DevTools
// protocol WebAuthn domain): register a passkey (after a step-up with the demo authenticator app),
// then on the "Send money" page pay 120.00 EUR to ACME Ltd, approving with the passkey: the dialog
// shows the summary the server worded, and the payment goes through. Then what must be refused: the
// same token sent with a tampered amount (changed in flight, after the approval), and the token used
// twice. A payment approved with an email code shows the summary in the dialog and in the mail; a
// payee with markup and a bidi override shows as plain, cleaned text. Screenshots in
// test-artifacts/web/.
//
// Skipped without Chromium, as web.e2e.test.ts is, unless STEP_UP_REQUIRE_BROWSER=1.
import type { Page } from 'playwright-core'
import t from 'tap'
import { addPasskeyWithTotp, addVirtualAuthenticator, browserTests, DESKTOP, direct, openPage, openSettings, shot, signIn, startWebExample } from './helpers/web.js'

const SUMMARY = 'Approve payment of 120.00 EUR to ACME Ltd'

async function fillPayment (page: Page, amount: string, currency: string, payee: string): Promise<void> {
  await page.getByRole('button', { name: 'Send money' }).click()
  await page.getByRole('heading', { name: 'Send money' }).waitFor()
  await page.getByLabel('Amount').fill(amount)
  await page.getByLabel('Currency').selectOption(currency)
  await page.getByLabel('Payee').fill(payee)
}

browserTests(t, (browser) => {
  t.test('send money: approve exactly this payment, and nothing else', async (t) => {
    const base = await startWebExample(t, ['--dev'])
    const { page, errors, context } = await openPage(t, browser(), DESKTOP)
    const { cdp, authenticatorId } = await addVirtualAuthenticator(context, page)
    const dialog = page.getByRole('dialog', { name: 'Confirm it\'s you' })

    /** What the dialog showed while the passkey answer was on its way (the browser's prompt was up before it). */
    const shownAtVerify: string[] = []
    await page.route('**/step-up/passkey/verify', async (route) => {
      shownAtVerify.push(await page.locator('#step-up-transaction').innerText())
      if (shownAtVerify.length === 1) await shot(page, '31-approving-with-passkey')
      await route.continue()
    })
    /** Each payment the page sends with a token; `tamper` rewrites the next one in flight. */
    const payments: Array<{ body: string, headers: Record<string, string> }> = []
    let tamper: ((body: Record<string, string>) => Record<string, string>) | undefined
    await page.route('**/payments', async (route) => {
      const request = route.request()
      const headers = request.headers()
      if (!headers['x-step-up-token']) return route.continue()
      payments.push({ body: request.postData() ?? '', headers })
      if (!tamper) return route.continue()
      const changed = tamper(JSON.parse(request.postData() ?? '{}'))
      tamper = undefined
      await route.continue({ postData: JSON.stringify(changed) })
    })

    await t.test('register a passkey', async (t) => {
      await signIn(page, base)
      await openSettings(page)
      await addPasskeyWithTotp(page)
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
      t.equal(credentials.length, 1, 'the authenticator holds the passkey')
      t.match(await page.locator('#factor-list').innerText(), /Passkey/, 'the settings page lists it')
    })

    await t.test('pay with a passkey: the dialog shows what the passkey approves', async (t) => {
      await fillPayment(page, '120', 'EUR', 'ACME Ltd')
      await shot(page, '30-send-money')
      await page.getByRole('button', { name: 'Pay' }).click()
      await dialog.getByRole('radio').first().waitFor()
      t.equal(await dialog.locator('#step-up-reason').innerText(), 'Sending money needs your approval. Check the payment shown before you approve it.')
      await dialog.getByRole('radio', { name: /^Passkey/ }).check()
      await dialog.getByRole('button', { name: 'Use a passkey' }).click()
      await page.locator('#payment-receipt').filter({ hasText: '120.00 EUR sent to ACME Ltd.' }).waitFor()
      t.same(shownAtVerify, [`You are approving\n${SUMMARY}`], 'the dialog showed the server\'s summary during the ceremony')
      t.equal(payments.length, 1, 'one payment sent with a token')
      t.same(JSON.parse(payments[0]!.body), { amount: '120.00', currency: 'EUR', payee: 'ACME Ltd' })
      await shot(page, '32-paid-with-passkey')
    })

    await t.test('the token of that approval does not pay twice, nor another amount', async (t) => {
      const { headers } = payments[0]!
      const send = (body: object) => fetch(`${direct(base)}/payments`, {
        method: 'POST',
        headers: { authorization: headers.authorization!, 'x-step-up-token': headers['x-step-up-token']!, 'content-type': 'application/json' },
        body: JSON.stringify(body)
      })
      const tampered = await send({ amount: '1200.00', currency: 'EUR', payee: 'ACME Ltd' })
      t.equal(tampered.status, 401)
      t.match(await tampered.json(), { code: 'FST_STEP_UP_INSUFFICIENT', stepUp: { action: 'payment' } }, 'a tampered amount is refused')
      const replayed = await send({ amount: '120.00', currency: 'EUR', payee: 'ACME Ltd' })
      t.equal(replayed.status, 401)
      t.match(await replayed.json(), { code: 'FST_STEP_UP_TOKEN_USED' }, 'the single-use token paid once')
    })

    await t.test('an amount changed in flight after the approval is refused, and nothing is paid', async (t) => {
      await fillPayment(page, '120.00', 'EUR', 'ACME Ltd')
      tamper = (body) => ({ ...body, amount: '9999.00' })
      await page.getByRole('button', { name: 'Pay' }).click()
      await dialog.getByRole('radio', { name: /^Passkey/ }).check()
      await dialog.getByRole('button', { name: 'Use a passkey' }).click()
      await page.locator('#payment-error').filter({ hasText: 'That approval does not cover this payment. Nothing was paid.' }).waitFor()
      t.notOk(await page.locator('#payment-receipt').isVisible(), 'no receipt')
      t.equal(JSON.parse(payments.at(-1)!.body).amount, '120.00', 'the page sent the approved amount; the route saw it changed')
      await shot(page, '33-tampered-amount')
    })

    await t.test('pay with an email code: the summary in the dialog and in the mail; markup and bidi shown as plain text', async (t) => {
      await fillPayment(page, '5', 'GBP', '<img src=x onerror=alert(1)> Bob\u202Egnp.exe')
      await page.getByRole('button', { name: 'Pay' }).click()
      await dialog.getByRole('radio', { name: /^Email/ }).check()
      const inbox = page.locator('#inbox > li')
      const before = await inbox.count()
      await dialog.getByRole('button', { name: 'Continue' }).click()
      await inbox.nth(before).waitFor()
      const shown = 'Approve payment of 5.00 GBP to <img src=x onerror=alert(1)> Bobgnp.exe'
      t.equal(await dialog.locator('#step-up-summary').innerText(), shown, 'the dialog shows the cleaned summary, as text')
      t.equal(await dialog.locator('#step-up-transaction img').count(), 0, 'no markup of the payee\'s became an element')
      const mail = await inbox.first().innerText()
      t.match(mail, `It is for: ${shown}`, 'the mail says the same')
      const code = /code is (\d{6})/.exec(mail)![1]!
      await shot(page, '34-code-for-payment')
      await dialog.getByLabel('Verification code').fill(code)
      await dialog.getByRole('button', { name: 'Verify' }).click()
      await page.locator('#payment-receipt').filter({ hasText: '5.00 GBP sent to' }).waitFor()
      await shot(page, '35-paid-with-code')
    })

    t.same(errors, [], 'no script errors on the page')
  })
})
