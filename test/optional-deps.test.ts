// The optional parts, absent or broken. qrcode and @simplewebauthn/server are optional peers: an app
// that does not install them imports the package, and only the feature that needs one fails, with
// FST_STEP_UP_DEPENDENCY_MISSING and the line to install it. nodemailer is a dependency, but only
// an SMTP transport the plugin builds needs it. Nothing is stubbed: an app runs in a child process
// from a copy of this checkout's tree (lib/ and node_modules/, by symbolic links) where those
// packages are not installed, or are installed but broken, and Node's own resolver finds what it finds.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { baseEnv, root } from './helpers/spawn.js'

t.setTimeout(120_000) // two child processes compiling lib/

const OPTIONAL = ['nodemailer', 'qrcode', '@simplewebauthn/server']

const work = mkdtempSync(join(tmpdir(), 'step-up-optional-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

// What the app reports: each optional part, tried once.
const app = `
import Fastify from 'fastify'
import stepUp, { passkeyRegistrationOptions, totpQrCode, totpUri } from './lib/index.js'
import { createStepUp } from './lib/express/index.js'

const outcome = (err: { code?: string, message: string }) => ({ code: err.code, message: err.message.split('\\n')[0] })
const options = {
  secret: 'a-test-secret-that-is-at-least-32-bytes-long',
  getUser: () => ({ id: 'alice', sessionId: 's1', emails: ['alice@example.com'] })
}
const smtp = { from: 'security@example.com', transport: 'smtp://127.0.0.1:2525' }

let express: unknown = 'started'
try {
  createStepUp({ ...options, email: smtp })
} catch (err) {
  express = outcome(err as never)
}
const fastify = await Fastify().register(stepUp, { ...options, email: smtp }).ready().then(() => 'started', outcome)

// An app that hands in its own transporter (anything with sendMail) sends a code without nodemailer.
const sent: string[] = []
const sendMail = async (mail: { envelope: { to: string } }) => { sent.push(mail.envelope.to); return {} }
const own = Fastify()
await own.register(stepUp, { ...options, email: { from: 'security@example.com', transport: { sendMail } as never } })
const reply = await own.inject({ method: 'POST', url: '/step-up/email/send', payload: { email: 'alice@example.com' } })
await own.close()

const uri = totpUri({ secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', accountName: 'alice@example.com', issuer: 'ACME' })
// Passkeys on: startup checks for @simplewebauthn/server, so a missing one never reaches a request.
const passkeySetup = await Fastify().register(stepUp, {
  ...options,
  passkey: { rpID: 'example.com', origin: 'https://example.com', getCredentials: async () => [], updateCounter: async () => {} }
}).ready().then(() => 'started', outcome)
console.log(JSON.stringify({
  express,
  fastify,
  ownTransporter: { status: reply.statusCode, sent },
  totpUri: uri.slice(0, 24),
  totpQrCode: await totpQrCode(uri).then(() => 'drawn', outcome),
  passkeySetup,
  passkeyRegistration: await passkeyRegistrationOptions({ rpID: 'example.com', origin: 'https://example.com' }, { userName: 'alice' }).then(() => 'made', outcome)
}))
`

/**
 * A copy of this checkout for the app: lib/ and every package of node_modules/ linked, except the
 * optional ones, which are left out, or replaced by `broken` (a package whose entry requires a
 * dependency of its own that is not installed). Run with --preserve-symlinks, Node resolves from
 * the copy, not from where the links point.
 */
async function runApp (name: string, broken?: (pkg: string) => Record<string, string>): Promise<Record<string, unknown>> {
  const tree = join(work, name)
  mkdirSync(join(tree, 'node_modules'), { recursive: true })
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry.startsWith('.')) continue
    const names = entry.startsWith('@') ? readdirSync(join(root, 'node_modules', entry)).map((pkg) => `${entry}/${pkg}`) : [entry]
    for (const pkg of names) {
      const target = join(tree, 'node_modules', pkg)
      if (!OPTIONAL.includes(pkg)) {
        mkdirSync(join(target, '..'), { recursive: true })
        symlinkSync(join(root, 'node_modules', pkg), target, 'dir')
      } else if (broken) {
        mkdirSync(target, { recursive: true })
        for (const [file, text] of Object.entries(broken(pkg))) writeFileSync(join(target, file), text)
      }
    }
  }
  symlinkSync(join(root, 'lib'), join(tree, 'lib'), 'dir')
  cpSync(join(root, 'package.json'), join(tree, 'package.json'))
  writeFileSync(join(tree, 'app.ts'), app)

  const child = spawn(process.execPath, ['--preserve-symlinks', '--import', 'tsx', 'app.ts'], { cwd: tree, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code] = await once(child, 'close') as [number | null]
  if (code !== 0) throw new Error(`the app in ${name} exited with ${code}:\n${stdout}${stderr}`)
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>
}

const missing = (name: string, need: string) => ({ code: 'FST_STEP_UP_DEPENDENCY_MISSING', message: `fastify-step-up needs ${need}: npm install ${name}` })

t.test('not installed: the package imports, and each part that needs one says what to install', async (t) => {
  const smtp = missing('nodemailer', 'nodemailer to send email codes over SMTP')
  const passkeys = missing('@simplewebauthn/server', '@simplewebauthn/server for passkeys')
  t.same(await runApp('not-installed'), {
    express: smtp,
    fastify: smtp,
    ownTransporter: { status: 202, sent: ['alice@example.com'] },
    totpUri: 'otpauth://totp/ACME:alic',
    totpQrCode: missing('qrcode', 'qrcode to draw the TOTP enrollment QR code'),
    passkeySetup: passkeys,
    passkeyRegistration: passkeys
  }, 'SMTP options fail at startup (createStepUp() throws, register() rejects); an app\'s own transporter needs no nodemailer; passkeys on fail at startup; the QR code and the passkey helpers fail when used')
})

t.test('installed but broken: the package\'s own error, not "install it"', async (t) => {
  const forgot = { code: 'MODULE_NOT_FOUND', message: "Cannot find module 'a-dependency-it-forgot'" }
  const result = await runApp('broken', (pkg) => ({
    'package.json': JSON.stringify({ name: pkg, version: '1.0.0', main: 'index.js' }),
    'index.js': 'require("a-dependency-it-forgot")\n'
  }))
  t.same(result, {
    express: forgot,
    fastify: forgot,
    ownTransporter: { status: 202, sent: ['alice@example.com'] },
    totpUri: 'otpauth://totp/ACME:alic',
    totpQrCode: forgot,
    passkeySetup: 'started',
    passkeyRegistration: forgot
  }, 'each failure is the one inside the package')
})
