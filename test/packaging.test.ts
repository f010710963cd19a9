// The package as a user installs it: packed by npm from the current source, holding what a user
// needs and nothing else, installed into a fresh project next to Fastify alone or Express alone. Express and ajv are optional peers: a Fastify app
// gets ajv 8 from Fastify and installs nothing more; an Express app without ajv gets a clear error
// when it sets up the routes, and works once it installs ajv.
// This test needs the npm registry (or a warm ~/.npm cache): without it, it fails and says so.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'

t.setTimeout(180_000) // two npm installs and a build

const root = fileURLToPath(new URL('..', import.meta.url))
const execFileAsync = promisify(execFile)

// Only what npm needs to reach the registry, not the npm_config_* of an `npm test` parent (its
// prefix would point npm back at this checkout). Coverage off in the children (tap passes its hooks
// on to every process a test spawns): lib/ must be covered by its own tests, not by the packed dist/.
const env: Record<string, string> = { _TAPJS_PROCESSINFO_COVERAGE_: '0' }
for (const name of ['PATH', 'HOME', 'NODE_EXTRA_CA_CERTS', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY',
  'http_proxy', 'https_proxy', 'no_proxy', 'npm_config_registry', 'npm_config_cache', 'npm_config_userconfig']) {
  const value = process.env[name]
  if (value !== undefined) env[name] = value
}

async function run (cwd: string, file: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, { cwd, env, maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string, stderr?: string }
    throw new Error(`\`${file} ${args.join(' ')}\` failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: err })
  }
}

async function npm (cwd: string, ...args: string[]): Promise<string> {
  try {
    return await run(cwd, 'npm', args)
  } catch (err) {
    throw new Error(`${(err as Error).message}\nThis test installs packages with npm: is the registry reachable (or ~/.npm warm)?`, { cause: err })
  }
}

/** A project of its own with `packages` installed, as `npm install` gives them to a user. */
async function project (dir: string, ...packages: string[]): Promise<string> {
  await mkdir(dir)
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  await npm(dir, 'install', '--prefer-offline', '--no-audit', '--no-fund', ...packages)
  return dir
}

/** Runs a script in the project; it prints one line of JSON, its findings. */
async function runScript (dir: string, name: string, source: string): Promise<Record<string, unknown>> {
  await writeFile(join(dir, name), source)
  const output = await run(dir, process.execPath, [name])
  return JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, unknown>
}

const options = `{
  secret: 'a secret of at least thirty-two bytes',
  getUser: () => ({ id: 'alice', sessionId: 'session-1', emails: ['alice@example.com'] }),
  email: { from: 'security@example.com', transport: { jsonTransport: true } }
}`

// The same two requests against either app: a guarded route without a token, and a step-up route
// with a body that has an unknown property.
const requests = `
async function requests (base) {
  const guarded = await fetch(base + '/guarded')
  const bad = await fetch(base + '/step-up/email/send', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"alice@example.com","admin":true}'
  })
  const trigger = await fetch(base + '/identity/v2/auth/account/reauth/2fa?apikey=lr-key')
  return {
    guarded: guarded.status,
    guardedCode: (await guarded.json()).code,
    bad: bad.status,
    badCode: (await bad.json()).code,
    loginradius: trigger.status,
    emailFactor: (await trigger.json()).IsEmailOtpAuthenticatorVerified
  }
}`

const loginRadiusOptions = JSON.stringify({ apiKey: 'lr-key', apiSecret: 'an-api-secret-of-some-length' })

const fastifyApp = `import Fastify from 'fastify'
import stepUp from 'fastify-step-up'
import loginRadius from 'fastify-step-up/loginradius'
${requests}
const app = Fastify()
await app.register(stepUp, ${options})
await app.register(loginRadius, ${loginRadiusOptions})
app.get('/guarded', { onRequest: app.requireStepUp() }, async () => ({ ok: true }))
await app.listen({ port: 0, host: '127.0.0.1' })
try {
  console.log(JSON.stringify(await requests('http://127.0.0.1:' + app.server.address().port)))
} finally {
  await app.close()
}
`

const expressApp = `import express from 'express'
import { createStepUp } from 'fastify-step-up/express'
import { createLoginRadius } from 'fastify-step-up/loginradius/express'
${requests}
let stepUp
try {
  stepUp = createStepUp(${options})
} catch (err) {
  console.log(JSON.stringify({ code: err.code, message: err.message }))
  process.exit(0)
}
const app = express()
app.use(stepUp.router)
app.use(createLoginRadius(stepUp, ${loginRadiusOptions}))
app.get('/guarded', stepUp.requireStepUp(), (req, res) => { res.json({ ok: true }) })
const server = app.listen(0, '127.0.0.1')
await new Promise((resolve) => server.once('listening', resolve))
try {
  console.log(JSON.stringify(await requests('http://127.0.0.1:' + server.address().port)))
} finally {
  server.close()
  stepUp.close()
}
`

const working = {
  guarded: 401,
  guardedCode: 'FST_STEP_UP_TOKEN_MISSING',
  bad: 400,
  badCode: 'FST_STEP_UP_INVALID_REQUEST',
  // fastify-step-up/loginradius mounted on either, without the other framework installed.
  loginradius: 200,
  emailFactor: true
}

// Outside this checkout, so nothing resolves a package from its node_modules.
const work = await mkdtemp(join(tmpdir(), 'step-up-packaging-'))
t.teardown(() => rm(work, { recursive: true, force: true }))

/**
 * `npm pack` of a copy of the source, so prepack builds there and leaves this checkout's dist/ alone.
 * The copy starts with a dist/ file that no source makes, as a checkout has after a file is
 * removed from lib/: prepack must build from scratch.
 */
async function pack (): Promise<{ source: string, tarball: string, files: string[] }> {
  const source = join(work, 'source')
  await mkdir(source)
  for (const file of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'lib']) {
    await cp(join(root, file), join(source, file), { recursive: true })
  }
  await mkdir(join(source, 'dist'))
  await writeFile(join(source, 'dist/removed-from-lib.js'), 'export {}\n')
  await symlink(join(root, 'node_modules'), join(source, 'node_modules'), 'dir')
  const [packed] = JSON.parse(await npm(source, 'pack', '--json', '--pack-destination', work)) as Array<{ filename: string, files: Array<{ path: string }> }>
  return { source, tarball: join(work, packed!.filename), files: packed!.files.map(({ path }) => path) }
}

const { source, tarball, files: packedFiles } = await pack()

/** Every .ts file under lib/, as a path relative to lib/. */
async function sources (dir = join(root, 'lib')): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(join(root, 'lib'), join(entry.parentPath, entry.name)))
}

t.test('the tarball: a license, where the project lives, and the built code with its types, nothing more', async (t) => {
  t.ok(packedFiles.includes('LICENSE'), 'a LICENSE file')
  t.ok(packedFiles.includes('README.md'), 'the README')
  const extra = packedFiles.filter((path) => !['LICENSE', 'README.md', 'package.json'].includes(path) && !/^dist\/.+\.(?:js|d\.ts)$/.test(path))
  t.same(extra, [], 'besides those and package.json, only .js and .d.ts under dist/: no source map, no build info')

  // Each .ts in lib/ compiles to a .js and a .d.ts: both are shipped, and nothing else is.
  const expected = (await sources()).flatMap((path) => [`dist/${path.replace(/\.ts$/, '.js')}`, `dist/${path.replace(/\.ts$/, '.d.ts')}`])
  t.same(packedFiles.filter((path) => path.startsWith('dist/')).sort(), expected.sort(), 'one .js and one .d.ts per source file, no leftover of an older build')

  const dir = join(work, 'unpacked')
  await mkdir(dir)
  await run(dir, 'tar', ['-xzf', tarball])
  const manifest = JSON.parse(await readFile(join(dir, 'package/package.json'), 'utf8')) as Record<string, unknown>
  t.match(manifest, {
    license: 'MIT',
    homepage: /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+#readme$/,
    repository: { type: 'git', url: /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/ },
    bugs: { url: /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/issues$/ }
  }, 'the license, and where the code, the docs and the issues are')
  t.match(await readFile(join(dir, 'package/LICENSE'), 'utf8'), /^MIT License\n/, 'the license text is MIT\'s')
})

// `npm run example` builds first: a start with nothing changed in lib/ must not compile it again.
t.test('npm run build with nothing changed since the last build writes nothing', async (t) => {
  const dist = join(source, 'dist')
  const written = async () => new Map(await Promise.all((await readdir(dist, { recursive: true }))
    .map(async (path) => [path, (await stat(join(dist, path))).mtimeMs] as const)))
  const before = await written()
  t.ok(before.has('index.js'), 'prepack built dist/')
  await npm(source, 'run', '-s', 'build')
  t.same(await written(), before, 'every file in dist/ as it was')
})

t.test('a Fastify app installs the package and Fastify: no Express, ajv 8 comes with Fastify', async (t) => {
  const dir = await project(join(work, 'fastify-app'), tarball, 'fastify@5')
  t.notOk(existsSync(join(dir, 'node_modules/express')), 'express is not installed')
  const ajv = JSON.parse(await readFile(join(dir, 'node_modules/ajv/package.json'), 'utf8')) as { version: string }
  t.match(ajv.version, /^8\./, 'ajv 8 is there, brought by Fastify')
  t.same(await runScript(dir, 'app.mjs', fastifyApp), working, 'the guard answers 401 and a bad body 400')
})

t.test('an Express app without ajv is told to install it, and works once it has', async (t) => {
  const dir = await project(join(work, 'express-app'), tarball, 'express@5')
  t.notOk(existsSync(join(dir, 'node_modules/fastify')), 'fastify is not installed')
  t.notOk(existsSync(join(dir, 'node_modules/ajv')), 'ajv is not installed (express does not bring it)')
  t.same(await runScript(dir, 'app.mjs', expressApp), {
    code: 'FST_STEP_UP_DEPENDENCY_MISSING',
    message: 'fastify-step-up needs ajv 8 to validate request bodies: npm install ajv'
  }, 'createStepUp() throws the clear error; the import itself worked')

  await npm(dir, 'install', '--prefer-offline', '--no-audit', '--no-fund', 'ajv@8')
  t.same(await runScript(dir, 'app.mjs', expressApp), working, 'the guard answers 401 and a bad body 400')
})
