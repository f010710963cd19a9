// `npm run preview:mail` writes every mail in every built-in language, for a person to look at. The
// child runs without coverage (baseEnv): lib/ is covered by its own tests, not by the tsx-loaded script.
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { baseEnv, root } from './helpers/spawn.js'

t.test('writes the code mails and every notification, as HTML and text, in four languages, with an index', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'mail-preview-'))
  t.teardown(() => rmSync(folder, { recursive: true, force: true }))
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/preview-mail.ts', folder], { cwd: root, env: baseEnv })
  t.match(stdout, /36 mails in 4 languages written to/)
  t.same(readdirSync(folder).sort(), ['de', 'en', 'es', 'fr', 'index.html'])
  for (const locale of ['de', 'en', 'es', 'fr']) {
    const files = readdirSync(join(folder, locale))
    t.equal(files.length, 18, `${locale}: 9 mails, each as HTML and text`)
    t.ok(files.includes('notify-locked.html') && files.includes('code-transaction.txt'))
    t.match(readFileSync(join(folder, locale, 'code.html'), 'utf8'), new RegExp(`<html lang="${locale}">[\\s\\S]*>482913</span>`))
  }
  t.match(readFileSync(join(folder, 'fr', 'notify-failures.txt'), 'utf8'), /^Subject: Tentatives de vérification échouées\n\nQuelqu’un a échoué 4 fois/)
  t.equal(readFileSync(join(folder, 'index.html'), 'utf8').match(/<li>/g)?.length, 36)
})
