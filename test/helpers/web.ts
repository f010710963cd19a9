// What the Chromium tests of examples/web share: a free port, the web example started as a child,
// a fresh browser context per test, screenshots, signing in, opening the document and the security
// settings, a virtual authenticator, and adding a passkey.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { generate } from 'otplib'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type CDPSession, type Page } from 'playwright-core'
import type { Test } from 'tap'
import { freePort } from './net.js'
import { mkdir } from 'node:fs/promises'
import { baseEnv, root, startExampleServer } from './spawn.js'

export const artifacts = join(root, 'test-artifacts', 'web')
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1200, height: 800 } }
export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }

export { freePort }

export async function run (t: Test, args: string[]): Promise<void> {
  const child = spawn(process.execPath, args, { cwd: root, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
  const [code] = await once(child, 'exit')
  if (code !== 0) t.fail(`${args.join(' ')} exited with ${code}:\n${output}`)
}

/** Starts examples/web/server.ts with these flags; resolves with the page's address once it listens. */
export async function startWebExample (t: Test, flags: string[]): Promise<string> {
  const port = await freePort()
  const { ready } = await startExampleServer(t, 'examples/web/server.ts', {
    args: flags,
    env: { PORT: String(port) },
    waitingFor: 'listening',
    ready: (line) => /^Web demo: (http:\/\/\S+?)\/? /.exec(line)?.[1]
  })
  return ready
}

/** A fresh browser context (its own profile state) and page, closed after the test, and the script errors the page raises. */
export async function openPage (t: Test, browser: Browser, options: BrowserContextOptions): Promise<{ page: Page, errors: string[], context: BrowserContext }> {
  const context = await browser.newContext(options)
  // Waits are on page state; this only bounds how long a broken page takes to fail.
  context.setDefaultTimeout(15_000)
  t.teardown(() => context.close())
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => { errors.push(err.message) })
  return { page, errors, context }
}

export async function shot (page: Page, name: string): Promise<void> {
  await page.mouse.move(0, 0) // no hover highlight where the last click was
  await page.screenshot({ path: join(artifacts, `${name}.png`) })
}

export async function signIn (page: Page, base: string): Promise<void> {
  await page.goto(`${base}/`)
  await page.getByLabel('Email').fill('alice@example.com')
  await page.getByLabel('Password').fill('wonderland')
  await page.getByLabel('Password').press('Enter')
  await page.getByRole('heading', { name: 'Documents' }).waitFor()
}

/** Opens the document and waits for the step-up dialog to list the methods. */
export async function openDocument (page: Page) {
  await page.getByRole('button', { name: 'Open Quarterly payroll' }).click()
  const dialog = page.getByRole('dialog', { name: 'Confirm it\'s you' })
  await dialog.getByRole('radio').first().waitFor()
  return dialog
}

/** The demo user's authenticator app, as printed by the demo (examples/basic/factors.ts). */
export const DEMO_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'

/** The example listens on 127.0.0.1; the page is at localhost (the RP ID). Node's own calls go to the address. */
export const direct = (base: string): string => base.replace('//localhost:', '//127.0.0.1:')

/** A virtual platform authenticator (DevTools WebAuthn domain) for the page: resident keys, user verification. */
export async function addVirtualAuthenticator (context: BrowserContext, page: Page): Promise<{ cdp: CDPSession, authenticatorId: string }> {
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true }
  })
  return { cdp, authenticatorId }
}

/** Opens the security settings page; resolves once it lists the factors. */
export async function openSettings (page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Security settings' }).click()
  await page.getByRole('heading', { name: 'Security settings' }).waitFor()
  await page.locator('#factor-list .factor').first().waitFor()
}

/**
 * On the security settings page, adds a passkey: the change asks for a step-up with the user's
 * strongest factor, the demo authenticator app. Resolves once the page says it was added.
 */
export async function addPasskeyWithTotp (page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Add a passkey' }).click()
  const dialog = page.getByRole('dialog', { name: 'Confirm it\'s you' })
  await dialog.getByRole('radio', { name: /^Authenticator app/ }).check()
  await dialog.getByRole('button', { name: 'Continue' }).click()
  await dialog.getByLabel('Code from your authenticator app').fill(await generate({ secret: DEMO_TOTP_SECRET }))
  await dialog.getByRole('button', { name: 'Verify' }).click()
  await page.locator('#factors-status').filter({ hasText: 'Passkey “Passkey” added.' }).waitFor()
}

export const browserMissing = existsSync(chromiumPath) ? undefined : `no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`

/** Builds the page (as `npm run example:web` does) and starts headless Chromium. */
export async function launchBrowser (t: Test): Promise<Browser> {
  if (!existsSync(join(root, 'dist/client/index.js'))) throw new Error('dist/ is not built: run `npm run build` (npm test does it first)')
  await run(t, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'examples/web/page/tsconfig.json'])
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic']
  })
}

/**
 * Defines a file's browser tests: skipped with the reason when Chromium is missing (a failure
 * with STEP_UP_REQUIRE_BROWSER=1), else run with one browser the file shares.
 */
export function browserTests (t: Test, define: (browser: () => Browser) => void): void {
  if (browserMissing && process.env.STEP_UP_REQUIRE_BROWSER === '1') {
    t.fail(`STEP_UP_REQUIRE_BROWSER=1, but ${browserMissing}`)
    return
  }
  if (browserMissing) {
    t.plan(0, `${browserMissing}; with STEP_UP_REQUIRE_BROWSER=1 this fails instead`)
    return
  }
  let browser: Browser | undefined
  t.before(async () => {
    await mkdir(artifacts, { recursive: true })
    browser = await launchBrowser(t)
  })
  t.teardown(() => browser?.close())
  define(() => browser!)
}
