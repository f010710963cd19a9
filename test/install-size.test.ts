// A light install: what an app that uses email codes and the guard gains by adding the package, and
// what importing it loads. Offline and deterministic: the packages come from package-lock.json (the
// closure of the package's dependencies and of its peers that are not optional, Fastify aside,
// which the app has already), their sizes from the files installed in node_modules.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'
import { baseEnv, root } from './helpers/spawn.js'

const MAX_PACKAGES = 30
const MAX_BYTES = 10_000_000

interface LockEntry {
  version?: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
const manifest = lock.packages['']!

/** The lock entry `name` resolves to from the package at `from`, the way Node walks up node_modules. */
function resolveIn (from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : '') {
    const key = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`
    if (lock.packages[key] !== undefined) return key
    if (dir === '') return undefined
  }
}

/** The peers npm installs along with a package: all but the optional ones. */
function requiredPeers (entry: LockEntry): string[] {
  return Object.keys(entry.peerDependencies ?? {}).filter((name) => entry.peerDependenciesMeta?.[name]?.optional !== true)
}

/** Every lock entry installed with `names` (as the root's dependencies), each once. */
function closure (names: string[]): Set<string> {
  const found = new Set<string>()
  const pending = names.map((name) => ({ from: '', name, optional: false }))
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const key = resolveIn(next.from, next.name)
    if (key === undefined) {
      // An optional dependency may be absent (another platform's binary); nothing else may.
      if (!next.optional) throw new Error(`${next.name} (needed by ${next.from || 'the package'}) is not in package-lock.json`)
      continue
    }
    if (found.has(key)) continue
    found.add(key)
    const entry = lock.packages[key]!
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...requiredPeers(entry)]) pending.push({ from: key, name, optional: false })
    for (const name of Object.keys(entry.optionalDependencies ?? {})) pending.push({ from: key, name, optional: true })
  }
  return found
}

/** Bytes of the files of one installed package, without the packages nested in its node_modules. */
function bytesOf (dir: string): number {
  let bytes = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== 'node_modules') bytes += bytesOf(join(dir, entry.name))
    else if (entry.isFile()) bytes += lstatSync(join(dir, entry.name)).size
  }
  return bytes
}

function measure (t: Test, keys: Set<string>): number {
  let bytes = 0
  for (const key of keys) {
    // The size is only meaningful for what the lock says: the installed version must be that one.
    const installed = JSON.parse(readFileSync(join(root, key, 'package.json'), 'utf8')) as { version: string }
    t.equal(installed.version, lock.packages[key]!.version, `${key} is installed at the version of package-lock.json`)
    bytes += bytesOf(join(root, key))
  }
  return bytes
}

const megabytes = (bytes: number): string => (bytes / 1e6).toFixed(1)

// Email codes and the guard need the dependencies and nothing else: ajv comes with Fastify.
const base = [...Object.keys(manifest.dependencies ?? {}), ...requiredPeers(manifest).filter((name) => name !== 'fastify')]

t.test(`an app with email codes and the guard gains at most ${MAX_PACKAGES} packages and ${MAX_BYTES / 1e6} MB`, async (t) => {
  const keys = closure(base)
  const bytes = measure(t, keys)
  t.comment(`${keys.size} packages, ${megabytes(bytes)} MB: ${base.join(', ')} and what they bring`)
  t.ok(keys.size <= MAX_PACKAGES, `${keys.size} packages, at most ${MAX_PACKAGES}`)
  t.ok(bytes <= MAX_BYTES, `${megabytes(bytes)} MB, at most ${MAX_BYTES / 1e6}`)
})

t.test('QR codes and passkeys are optional peers, installed for the tests, outside that closure', async (t) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Required<Pick<LockEntry, 'peerDependencies' | 'peerDependenciesMeta'>> & { devDependencies: Record<string, string> }
  const inBase = closure(base)
  for (const name of ['qrcode', '@simplewebauthn/server']) {
    t.ok(pkg.peerDependencies[name], `${name} is a peer dependency`)
    t.equal(pkg.peerDependenciesMeta[name]?.optional, true, `${name} is optional`)
    t.ok(pkg.devDependencies[name], `${name} is a dev dependency, so the suite runs it`)
    const adds = [...closure([name])].filter((key) => !inBase.has(key))
    t.notOk(inBase.has(`node_modules/${name}`), `${name} is not installed with the package`)
    t.comment(`${name} adds ${adds.length} packages, ${megabytes(measure(t, new Set(adds)))} MB`)
  }
})

// What each entry point loads: ES modules through a resolve hook that logs every URL, CommonJS
// (what is required, such as nodemailer and ajv) from require.cache. Then an app with email codes
// over SMTP and the guard is set up: nodemailer and ajv load then, the QR code and passkeys still not.
t.test('importing the package loads no optional part, and email codes with the guard load neither QR codes nor passkeys', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'step-up-imports-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const log = join(dir, 'resolved.log')
  writeFileSync(log, '')
  const hook = `
    import { appendFileSync } from 'node:fs'
    let log
    export function initialize (data) { log = data.log }
    export async function resolve (specifier, context, next) {
      const resolved = await next(specifier, context)
      appendFileSync(log, resolved.url + '\\n')
      return resolved
    }`
  const lib = (path: string): string => JSON.stringify(pathToFileURL(join(root, 'lib', path)).href)
  writeFileSync(join(dir, 'app.mjs'), `
import { createRequire, register } from 'node:module'
import { readFileSync } from 'node:fs'
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { log: ${JSON.stringify(log)} } })
const require = createRequire(import.meta.url)
const packages = () => [...new Set([...readFileSync(${JSON.stringify(log)}, 'utf8').split('\\n'), ...Object.keys(require.cache)]
  .map((url) => /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(url)?.[1]).filter(Boolean))].sort()

const { default: stepUp } = await import(${lib('index.ts')})
await import(${lib('express/index.ts')})
await import(${lib('compat/loginradius/index.ts')})
const imported = packages()

const { default: Fastify } = await import(${JSON.stringify(pathToFileURL(createRequire(join(root, 'package.json')).resolve('fastify')).href)})
const app = Fastify()
await app.register(stepUp, {
  secret: 'a-test-secret-that-is-at-least-32-bytes-long',
  getUser: () => null,
  email: { from: 'security@example.com', transport: 'smtp://127.0.0.1:2525' }
})
app.get('/guarded', { onRequest: app.requireStepUp() }, async () => ({ ok: true }))
await app.ready()
const guarded = await app.inject('/guarded')
await app.close()
console.log(JSON.stringify({ imported, setUp: packages(), guarded: guarded.statusCode }))
`)
  const child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'app.mjs')], { cwd: root, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const [code] = await once(child, 'close') as [number | null]
  t.equal(code, 0, `the app ran${code === 0 ? '' : `:\n${stdout}${stderr}`}`)
  const { imported, setUp, guarded } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { imported: string[], setUp: string[], guarded: number }

  t.ok(imported.includes('jose') && imported.includes('otplib'), 'the log sees what the package imports (jose, otplib)')
  for (const name of ['qrcode', '@simplewebauthn/server', 'nodemailer', 'ajv']) {
    t.notOk(imported.includes(name), `importing fastify-step-up, /express and /loginradius does not load ${name}`)
  }
  t.equal(guarded, 401, 'the app runs: the guard refuses a request without a token')
  t.ok(setUp.includes('nodemailer') && setUp.includes('ajv'), 'setting up SMTP email loads nodemailer, the routes ajv')
  t.notOk(setUp.includes('qrcode'), 'the app still has not loaded qrcode')
  t.notOk(setUp.includes('@simplewebauthn/server'), 'nor @simplewebauthn/server')
})
