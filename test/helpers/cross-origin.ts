// A page on one origin that loads fastify-step-up/client, for tests that call an API on another
// origin from headless Chromium. The client is compiled from lib/client/ when the server starts
// (TypeScript's transpileModule: the types go, nothing else changes), so the page runs the source
// under test, built or not.
import { readdir, readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { chromium, type Browser } from 'playwright-core'
import type { Test } from 'tap'
import ts from 'typescript'
import { root } from './spawn.js'
import { browserMissing, chromiumPath } from './web.js'

/** Where the page imports the client from: `await import(CLIENT_URL)`. */
export const CLIENT_URL = '/client/index.js'

/**
 * Serves an empty page at `/` and the client under `/client/` on 127.0.0.1; resolves with the page's
 * origin. `before` registers the page server's plugins first (@fastify/helmet, say).
 */
export async function servePage (t: Test, before?: (app: FastifyInstance) => PromiseLike<unknown>): Promise<string> {
  const dir = join(root, 'lib/client')
  const files = new Map<string, string>()
  // The client's files and its folders' (texts/), each at its path below /client/.
  for (const name of await readdir(dir, { recursive: true })) {
    if (!name.endsWith('.ts')) continue
    const source = await readFile(join(dir, name), 'utf8')
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: name
    })
    files.set(`/client/${join(dirname(name), basename(name, '.ts'))}.js`, outputText)
  }
  const app = Fastify()
  t.teardown(() => app.close())
  await before?.(app)
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><meta charset="utf-8"><title>Page origin</title><h1>Page origin</h1>'))
  for (const [url, code] of files) app.get(url, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(code))
  return app.listen({ port: 0, host: '127.0.0.1' })
}

/**
 * Defines a file's browser tests with one headless Chromium: skipped with the reason when Chromium
 * is missing (a failure with STEP_UP_REQUIRE_BROWSER=1). Unlike browserTests in web.ts, it builds
 * nothing first: the page needs no example.
 */
export function chromiumTests (t: Test, define: (browser: () => Browser) => void): void {
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
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic']
    })
  })
  t.teardown(() => browser?.close())
  define(() => browser!)
}
