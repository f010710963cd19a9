// examples/web's step-up dialog in a French browser (issue 21): the dialog's words come from
// fastify-step-up/client's catalog for navigator.languages, the code mail from the server's catalog
// for the request's Accept-Language, and a refusal is said in French; the code still works. The
// screenshot of the dialog is docs/step-up-dialog-fr.png (copied from test-artifacts/web/).
import t from 'tap'
import { browserTests, DESKTOP, openPage, shot, signIn, startWebExample } from './helpers/web.js'

browserTests(t, (browser) => {
  t.test('a French browser steps up in French, with a code mailed in French', async (t) => {
    const base = await startWebExample(t, ['--dev'])
    const { page, errors } = await openPage(t, browser(), { ...DESKTOP, locale: 'fr-FR' })
    await signIn(page, base)
    await page.getByRole('button', { name: 'Open Quarterly payroll' }).click()
    const dialog = page.getByRole('dialog', { name: 'Confirmez qu’il s’agit bien de vous' })
    await dialog.getByRole('radio').first().waitFor()
    t.equal(await dialog.getAttribute('lang'), 'fr', 'the dialog says its language')
    t.same(await dialog.locator('.choice-label').allInnerTexts(),
      ['E-mail', 'SMS', 'Application d’authentification', 'Code de secours', 'Mot de passe', 'Code PIN', 'Questions de sécurité'])
    t.match(await page.locator('#step-up-reason').innerText(), /« Paie trimestrielle » est confidentiel : il faut une vérification datant de moins de 5\sminutes\./)
    t.equal(await dialog.getByRole('button', { name: 'Annuler' }).count(), 1)

    await dialog.getByRole('radio', { name: /^E-mail/ }).check()
    t.equal(await dialog.getByLabel('Envoyer le code par e-mail à').count(), 1)
    await shot(page, 'fr-01-dialog')
    const inbox = page.locator('#inbox > li')
    const before = await inbox.count()
    await dialog.getByRole('button', { name: 'Continuer' }).click()
    await inbox.nth(before).waitFor()
    const mail = await inbox.first().innerText()
    const code = /Votre code de vérification est (\d{6})/.exec(mail)?.[1]
    t.ok(code, 'the code mail is in French (the browser\'s Accept-Language)')
    t.match(mail, /Il expire dans 5\sminutes et ne fonctionne qu’une fois\./)
    const input = dialog.getByLabel('Code de vérification')
    await input.waitFor()
    t.match(await dialog.locator('#step-up-sent').innerText(), /^Nous avons envoyé un code par e-mail à .+\. Il est valable 5\sminutes\.$/)

    await input.fill(code === '000000' ? '999999' : '000000')
    await input.press('Enter')
    await dialog.getByRole('alert').filter({ hasText: 'Ce code n’est pas correct. Vérifiez le dernier message et réessayez.' }).waitFor()
    await shot(page, 'fr-02-wrong-code')
    await input.fill(code!)
    await dialog.getByRole('button', { name: 'Vérifier' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await page.getByRole('heading', { name: 'Quarterly payroll' }).waitFor()
    t.same(errors, [], 'no script error on the page')
  })
})
