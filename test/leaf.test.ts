// The LoginRadius-compatible routes are a leaf (docs/architecture.md): nothing of the plugin imports
// them, and they reach the plugin only through its public handle (lib/mount.ts), never through an
// adapter's internals or the plugin's option resolution and setup.
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const lib = fileURLToPath(new URL('../lib/', import.meta.url))
const compat = join(lib, 'compat')

/** Every .ts file under `dir`, with the lib/-relative paths of the files it imports or re-exports. */
async function importsUnder (dir: string): Promise<Array<{ file: string, imports: string[] }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  const files = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => join(entry.parentPath, entry.name))
  return Promise.all(files.map(async (file) => {
    const source = await readFile(file, 'utf8')
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1]!)
    const imports = specifiers.filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => relative(lib, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts'))
    return { file: relative(lib, file), imports }
  }))
}

t.test('nothing outside lib/compat/ imports it', async (t) => {
  const all = await importsUnder(lib)
  t.ok(all.length > 50, 'the scan reads the sources')
  const outside = all.filter(({ file }) => !file.startsWith('compat/'))
  const offending = outside.flatMap(({ file, imports }) => imports.filter((path) => path.startsWith('compat/')).map((path) => `${file} -> ${path}`))
  t.same(offending, [], 'no import of compat/ from core, options, setup, methods, the adapters or the entries')
})

// What the leaf may import: the engine's handle (mount.ts, fastify/mount.ts, express/mount.ts), the errors and option-key checks,
// the framework-neutral HTTP helpers (replies, validation, the body limit, a request's language and
// client), types, and the schema
// helpers of the methods it translates. Not the adapters (lib/fastify/, lib/express/), not the
// plugin's options or setup, not the stores, not the engine's implementation files.
const ALLOWED = [
  /^compat\//,
  /^(?:fastify\/|express\/)?mount\.ts$/, // the handle, and each adapter's typing of it (types only)
  /^errors\.ts$/,
  /^option-keys\.ts$/,
  /^types\.ts$/,
  /^http\/(?:body|reply|request|validation)\.ts$/,
  /^methods\/method\.ts$/,
  /^methods\/security-questions\/method\.ts$/,
  /^core\/(?:engine|policy|tokens)\.ts$/ // types only: checked below
]

t.test('lib/compat/ reaches the plugin through its public handle only', async (t) => {
  const leaf = await importsUnder(compat)
  t.ok(leaf.length > 5, 'the scan reads the leaf')
  const offending = leaf.flatMap(({ file, imports }) => imports.filter((path) => !ALLOWED.some((pattern) => pattern.test(path))).map((path) => `${file} -> ${path}`))
  t.same(offending, [], 'only the allowed modules')
  // The engine's files only for their types: the engine itself comes through the handle.
  for (const { file } of leaf) {
    const source = await readFile(join(lib, file), 'utf8')
    t.notMatch(source, /^import \{[^}]*\} from '\.\.\/\.\.\/core\//m, `${file}: core/ for types only`)
  }
})
