// examples/web in headless Chromium, as a person uses it: sign in, open the document, meet the
// step-up dialog, choose email, read the code in the developer mailbox on the page, type a wrong
// code, then the right one, and read the document. Also an expired code (the dev clock moved
// forward from the page), the lockout, Escape, and a phone-sized screen. Every step is saved as a
// screenshot in test-artifacts/web/.
//
// Needs Debian's chromium (apt-get install chromium), driven by playwright-core. Without it the file
// is skipped, and says why, unless STEP_UP_REQUIRE_BROWSER=1 (as .ci/run sets): then it fails.
import type { Page } from 'playwright-core'
import t from 'tap'
import { browserTests, DESKTOP, openDocument, openPage, PHONE, shot, signIn, startWebExample } from './helpers/web.js'

/** The code mails in the developer mailbox, newest first (security notifications land there too). */
const codeMails = (page: Page) => page.locator('#inbox > li', { hasText: /code is \d{6}/ })

/** Sends a code with the dialog's current choice, and reads it from the mailbox panel once the new message shows. */
async function sendAndReadCode (page: Page, send: () => Promise<void>): Promise<{ code: string, text: string }> {
  const before = await codeMails(page).count()
  await send()
  await codeMails(page).nth(before).waitFor() // newest first: one more code mail than before
  const text = await codeMails(page).first().innerText()
  const code = /code is (\d{6})/.exec(text)?.[1]
  if (!code) throw new Error(`no code in the newest message: ${text}`)
  return { code, text }
}

const wrongCode = (code: string) => code === '000000' ? '999999' : '000000'

browserTests(t, (browser) => {
  t.test('one server in dev mode', async (t) => {
    const base = await startWebExample(t, ['--dev'])

    t.test('a person steps up by email: a wrong code first, then the right one, and reads the document', async (t) => {
      const { page, errors } = await openPage(t, browser(), DESKTOP)
      await page.goto(`${base}/`)
      await page.getByRole('heading', { name: 'Sign in' }).waitFor()
      t.ok(await page.getByRole('heading', { name: 'Developer mailbox' }).isVisible(), 'dev mode shows the mailbox panel')
      await shot(page, '01-sign-in')

      await page.getByLabel('Email').fill('alice@example.com')
      await page.getByLabel('Password').fill('wonderland')
      await page.getByLabel('Password').press('Enter')
      await page.getByRole('heading', { name: 'Documents' }).waitFor()
      t.equal(await page.locator('#session-email').innerText(), 'alice@example.com', 'signed in')
      await shot(page, '02-documents')

      const dialog = await openDocument(page)
      t.same(await dialog.locator('.choice-label').allInnerTexts(),
        ['Email', 'Text message', 'Authenticator app', 'Backup code', 'Password', 'PIN', 'Security questions'],
        'the dialog lists every method the demo user has')
      t.match(await page.locator('#step-up-reason').innerText(), /verification from the last 5 minutes/, 'and says why, with max_age')
      t.equal(await dialog.locator('input[value="email"]:focus').count(), 1, 'focus moved into the dialog, onto the first method')
      await shot(page, '03-dialog-methods')

      await dialog.getByRole('radio', { name: /^Email/ }).check()
      await dialog.getByLabel('Email the code to').selectOption({ label: 'a***@example.org' })
      await shot(page, '04-dialog-email-address')

      const { code, text } = await sendAndReadCode(page, () => dialog.getByRole('button', { name: 'Continue' }).click())
      t.match(text, /to alice\.work@example\.org/, 'the mail went to the chosen address')
      const input = dialog.getByLabel('Verification code')
      await input.waitFor()
      t.match(await dialog.locator('#step-up-sent').innerText(), /We emailed a code to a\*\*\*@example\.org/)
      t.equal(await dialog.locator('#step-up-code:focus').count(), 1, 'focus on the code field')
      await shot(page, '05-code-in-dev-mailbox')

      await input.fill(wrongCode(code))
      await input.press('Enter')
      const error = dialog.getByRole('alert')
      await error.filter({ hasText: 'That code is not correct' }).waitFor()
      t.equal(await dialog.locator('#step-up-code:focus').count(), 1, 'focus back on the code field, to type it again')
      await shot(page, '06-wrong-code')

      await input.fill(code)
      await input.press('Enter')
      await page.getByRole('heading', { name: 'Quarterly payroll', level: 2 }).waitFor()
      t.notOk(await dialog.isVisible(), 'the dialog closed')
      t.match(await page.locator('#document').innerText(), /Verified at[\s\S]*Only people who proved themselves in the last 5 minutes can read this/)
      await shot(page, '07-document')
      t.same(errors, [], 'no script errors on the page')
    })

    t.test('phone-sized screen: the dialog fits, and Escape cancels', async (t) => {
      const { page, errors } = await openPage(t, browser(), PHONE)
      await signIn(page, base)
      await shot(page, '08-phone-documents')
      const middle = async (selector: string) => { const b = (await page.locator(selector).boundingBox())!; return Math.round(b.y + b.height / 2) }
      const tabs = await Promise.all(['#nav-documents', '#nav-payments', '#nav-security'].map(middle))
      t.equal(new Set(tabs).size, 1, 'the three tabs share one row')
      t.ok(Math.abs(await middle('#sign-out') - await middle('.brand')) <= 4, 'Sign out sits beside the brand, above the tabs')
      t.ok(tabs[0]! > await middle('.brand'), 'the tabs are on the line below: the top bar takes two lines')
      const last = (await page.locator('#nav-security').boundingBox())!
      t.ok(last.x + last.width <= 390, 'and the last tab is whole on screen')
      const dialog = await openDocument(page)
      const box = await dialog.boundingBox()
      t.ok(box && box.x >= 0 && box.x + box.width <= 390, 'the dialog fits the screen\'s width')
      t.ok(await dialog.getByRole('button', { name: 'Continue' }).isVisible(), 'its buttons are on screen')
      await shot(page, '09-phone-dialog')

      await page.keyboard.press('Escape')
      await page.getByRole('status').filter({ hasText: 'You did not confirm it\'s you, so the document stays closed.' }).waitFor()
      t.notOk(await dialog.isVisible(), 'Escape closed the dialog')
      t.notOk(await page.locator('#document').isVisible(), 'and the document stays closed')
      await shot(page, '10-phone-cancelled')
      t.same(errors, [], 'no script errors on the page')
    })

    // Last on this server: it moves the server's step-up clock.
    t.test('an expired code: a clear message, and a new code works', async (t) => {
      const { page, errors } = await openPage(t, browser(), DESKTOP)
      await signIn(page, base)
      const dialog = await openDocument(page)
      await dialog.getByRole('radio', { name: /^Email/ }).press('Enter') // Enter submits the choice too
      const { code } = await sendAndReadCode(page, async () => {})
      await dialog.getByLabel('Verification code').fill(code)

      // Six minutes pass for step-up (codes live five): the dev-mode control in the dialog moves the server's clock.
      await dialog.getByRole('button', { name: 'Move the step-up clock 6 minutes ahead' }).click()
      await dialog.getByRole('status').filter({ hasText: 'this code has now expired' }).waitFor()
      t.match(await page.locator('#clock-status').innerText(), /6 minutes ahead/, 'the mailbox panel says the clock runs ahead')

      await dialog.getByLabel('Verification code').press('Enter')
      await dialog.getByRole('alert').filter({ hasText: 'That code has expired. Send a new code and enter the new one.' }).waitFor()
      t.equal(await dialog.locator('#step-up-resend:focus').count(), 1, 'focus on "Send a new code"')
      await shot(page, '11-expired-code')

      const fresh = await sendAndReadCode(page, () => page.keyboard.press('Enter'))
      await dialog.getByRole('status').filter({ hasText: 'A new code is on its way' }).waitFor()
      await dialog.getByLabel('Verification code').fill(fresh.code)
      await dialog.getByLabel('Verification code').press('Enter')
      await page.getByRole('heading', { name: 'Quarterly payroll', level: 2 }).waitFor()
      await shot(page, '12-expired-then-new-code')
      t.same(errors, [], 'no script errors on the page')
    })
  })

  t.test('the lockout: a clear message with the time left', async (t) => {
    const base = await startWebExample(t, ['--dev', '--lockout-after', '3'])
    const { page, errors } = await openPage(t, browser(), DESKTOP)
    await signIn(page, base)
    const dialog = await openDocument(page)
    const { code } = await sendAndReadCode(page, () => dialog.getByRole('button', { name: 'Continue' }).click())
    const input = dialog.getByLabel('Verification code')
    for (const attempt of [1, 2]) {
      await input.fill(wrongCode(code))
      await input.press('Enter')
      await dialog.getByRole('alert').filter({ hasText: 'That code is not correct' }).waitFor()
      // The alert stays up between tries; wait until this try is answered.
      await dialog.locator('form:not([aria-busy])').waitFor()
      t.pass(`wrong code ${attempt}: not correct`)
    }
    await input.fill(wrongCode(code))
    await input.press('Enter')
    await dialog.getByRole('alert').filter({ hasText: 'Too many failed attempts, so verification is locked for your account for now. Try again in 15 minutes.' }).waitFor()
    const verify = dialog.locator('#step-up-submit')
    t.match(await verify.innerText(), /^Try again in 1[45]:\d\d$/, 'the button counts down the Retry-After')
    t.ok(await verify.isDisabled(), 'and cannot be pressed')
    await shot(page, '13-locked')

    await input.fill(code)
    await input.press('Enter')
    t.ok(await dialog.isVisible(), 'even the right code cannot be sent while locked')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('status').filter({ hasText: 'the document stays closed' }).waitFor()
    t.same(errors, [], 'no script errors on the page')
  })
})
