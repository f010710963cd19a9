// The built package as a TypeScript app meets it: consumers under test/fixtures/consumers/ import
// every public entry, as ES modules and as CommonJS, and are compiled under each module setting
// with every declaration checked (skipLibCheck false). Each must compile cleanly and keep the types
// (the fixtures assert that the FST_STEP_UP_* constructors are not `any`), except the one thing
// TypeScript refuses on purpose: require of an ES module under module node16. Then a CommonJS app
// requires every entry on this Node. It reads dist/, which `npm test` builds first.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import ts from 'typescript'
import { baseEnv, root } from './helpers/spawn.js'

// Eight programs, each checking the package's declarations with Fastify's and Express's behind them.
t.setTimeout(180_000)

const consumers = join(root, 'test/fixtures/consumers')
const dist = join(root, 'dist')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string
  main: string
  peerDependenciesMeta: Record<string, { optional?: boolean }>
  types: string
  exports: Record<string, string | Record<string, string>>
}

/** Every public entry: its specifier and its conditions. package.json is exported as itself. */
const entries = Object.entries(manifest.exports)
  .filter((entry): entry is [string, Record<string, string>] => typeof entry[1] === 'object')
  .map(([path, conditions]) => ({ specifier: manifest.name + path.slice(1), conditions }))

t.test('each entry names its types first, next to the code, and exists in dist/', async (t) => {
  for (const { specifier, conditions } of entries) {
    // One condition set for import and require: package.json says "type": "module", so the .d.ts
    // files are ES module declarations, which is what require(esm) returns too.
    t.same(Object.keys(conditions), ['types', 'default'], `${specifier}: types first, then the code`)
    t.equal(conditions.types, conditions.default!.replace(/\.js$/, '.d.ts'), `${specifier}: the declarations of that file`)
    for (const file of [conditions.types!, conditions.default!]) {
      t.ok(existsSync(join(root, file)), `${specifier}: ${file} is built (npm run build)`)
    }
  }
  // For tools that read no "exports": the main entry's files.
  const main = entries.find(({ specifier }) => specifier === manifest.name)!.conditions
  t.same({ main: manifest.main, types: manifest.types }, { main: main.default, types: main.types }, '"main" and "types" name the main entry\'s files')
})

const sources = ['esm.mts', 'cjs-require.cts', 'cjs-import.cts']

t.test('every consumer imports every entry', async (t) => {
  for (const source of sources) {
    const text = readFileSync(join(consumers, source), 'utf8')
    for (const { specifier } of entries) t.ok(text.includes(`'${specifier}'`), `${source} imports ${specifier}`)
  }
})

/** Source files parsed once and shared by the programs, as `tsc -b` shares them between projects. */
const parsed = new Map<string, ts.SourceFile | undefined>()

/**
 * Compiles a consumer tsconfig. Reports the diagnostics of the consumer's own files and of the
 * package's declarations, which skipLibCheck false checks like any other file; the checker does not
 * go through all of @types/node, Fastify and Express for each setting, which would take minutes and
 * say nothing about this package (`tsc -p test/fixtures/consumers/tsconfig.<setting>.json` does).
 */
function compile (config: string, missing: string[] = []): { diagnostics: string[], program: ts.Program } {
  const { options, fileNames, errors } = ts.getParsedCommandLineOfConfigFile(join(consumers, config), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => { throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')) }
  })!
  const host = ts.createCompilerHost(options)
  const read = host.getSourceFile.bind(host)
  host.getSourceFile = (fileName, languageVersion, onError, create) => {
    // Keyed by the parse options too: a file parsed as ESM is not the same file parsed as CJS.
    const key = `${fileName} ${JSON.stringify(languageVersion)}`
    if (!parsed.has(key)) parsed.set(key, read(fileName, languageVersion, onError, create))
    return parsed.get(key)
  }
  // Packages the app did not install: TypeScript finds neither their files nor their folders.
  const absent = (path: string) => missing.some((name) => `${path}/`.startsWith(join(root, 'node_modules', name, '/')))
  const { fileExists, directoryExists } = host
  host.fileExists = (path) => !absent(path) && fileExists.call(host, path)
  host.directoryExists = (path) => !absent(path) && directoryExists!.call(host, path)
  const program = ts.createProgram({ rootNames: fileNames, options, host })
  const ours = program.getSourceFiles().filter(({ fileName }) => fileName.startsWith(consumers) || fileName.startsWith(dist))
  const diagnostics = [
    ...errors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...ours.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)])
  ]
  return {
    program,
    diagnostics: diagnostics.map((diagnostic) => {
      const text = `TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`
      if (!diagnostic.file) return text
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start!)
      return `${relative(root, diagnostic.file.fileName)}:${line + 1} ${text}`
    })
  }
}

/** The lines of cjs-require.cts that require the package: module node16 and node18 refuse exactly these. */
const requireRefused = readFileSync(join(consumers, 'cjs-require.cts'), 'utf8').split('\n')
  .flatMap((line, index) => /= require\('fastify-step-up[/']/.test(line) ? [`test/fixtures/consumers/cjs-require.cts:${index + 1} TS1471`] : [])

const settings = [
  // Node 16's and Node 18's rules: ESM, and import() from CJS; require of an ES module is refused.
  { config: 'tsconfig.node16.json', refused: requireRefused },
  { config: 'tsconfig.node18.json', refused: requireRefused },
  // Node 20's: require of an ES module, as Node 20.19+ runs it.
  { config: 'tsconfig.node20.json', refused: [] },
  { config: 'tsconfig.nodenext.json', refused: [] },
  { config: 'tsconfig.bundler-esnext.json', refused: [] },
  { config: 'tsconfig.bundler-preserve.json', refused: [] }
]

for (const { config, refused } of settings) {
  t.test(`${config}: the consumers compile and keep the types`, async (t) => {
    const { diagnostics, program } = compile(config)
    t.same(diagnostics.map((diagnostic) => diagnostic.replace(/^(\S+ TS\d+) .*/, '$1')), refused,
      refused.length ? 'only require of the package is refused, once per entry' : 'no error', { diagnostics })

    const files = program.getSourceFiles().filter(({ fileName }) => fileName.startsWith(dist))
    for (const { conditions } of entries) {
      t.ok(files.some(({ fileName }) => fileName === join(root, conditions.types!)), `${conditions.types} is what TypeScript read`)
    }
    // Bundler resolution has no module formats to check; Node's does.
    if (program.getCompilerOptions().moduleResolution !== ts.ModuleResolutionKind.Bundler) {
      t.same(files.filter((file) => file.impliedNodeFormat !== ts.ModuleKind.ESNext).map(({ fileName }) => fileName), [],
        'every declaration of the package is read as an ES module, as Node runs it')
    }
  })
}

// An app installs the framework it uses and not the other: its compiler must not need the other's
// types. Every optional peer is missing but the app's framework and ajv (Fastify brings it).
const optionalPeers = Object.entries(manifest.peerDependenciesMeta).filter(([, { optional }]) => optional).map(([name]) => name)
const apps = [
  { config: 'tsconfig.fastify-app.json', missing: [...optionalPeers.filter((name) => !['fastify', 'ajv'].includes(name)), '@types/express', '@types/express-serve-static-core'] },
  { config: 'tsconfig.express-app.json', missing: optionalPeers.filter((name) => !['express', 'ajv'].includes(name)) }
]
for (const { config, missing } of apps) {
  t.test(`${config}: compiles without ${missing.join(', ')}`, async (t) => {
    const { diagnostics } = compile(config, missing)
    t.same(diagnostics, [], 'no error')
  })
}

t.test('a CommonJS app requires every entry and registers the plugin', async (t) => {
  t.ok(process.features.require_module, `this Node (${process.version}) can require an ES module`)
  const { stdout } = await promisify(execFile)(process.execPath, [join(consumers, 'require.cjs'), ...entries.map(({ specifier }) => specifier)], {
    cwd: root,
    env: baseEnv
  })
  const found = JSON.parse(stdout) as Record<string, unknown>
  for (const { specifier } of entries) {
    const { names, importNames, sameAsImport } = found[specifier] as { names: string[], importNames: string[], sameAsImport: boolean }
    // Node marks a module with a default export so that CommonJS interop finds it.
    t.same(names, [...importNames, ...importNames.includes('default') ? ['__esModule'] : []].sort(), `require('${specifier}') has every export import() has`)
    t.ok(sameAsImport, `require('${specifier}') gives the very values import() gives`)
  }
  t.equal(found.registered, true, 'Fastify registers fastifyStepUp from require()')
})
