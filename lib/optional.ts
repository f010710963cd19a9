// Packages loaded only when a feature needs them: the optional peers (ajv, qrcode,
// @simplewebauthn/server), and nodemailer, which only an SMTP transport needs. Importing
// fastify-step-up never loads them. One of them not installed becomes FST_STEP_UP_DEPENDENCY_MISSING,
// with the line to install it. The package is looked up before it is loaded, so only its own
// absence is reported that way: whatever fails inside a package that is there (a broken build, a
// dependency of its own gone missing) is passed on as it is, not hidden behind "install it".
//
// The lookup is require.resolve, also for what is then imported: each of these packages has a
// CommonJS entry, the lookup is synchronous (setup is), and its MODULE_NOT_FOUND arrives intact,
// where an ESM resolution error can lose its code on the way through an app's loader hooks.
import { createRequire } from 'node:module'
import { FST_STEP_UP_DEPENDENCY_MISSING } from './errors.js'

export interface OptionalDependency {
  /** The package, as imported: `qrcode`. */
  name: string
  /** What for, completing "fastify-step-up needs ...": `qrcode to draw the TOTP enrollment QR code`. */
  need: string
}

/** A `require`, resolving from this package, or (in the tests) from a directory of their own. */
export interface PackageRequire {
  (id: string): unknown
  resolve (id: string): string
}

const packageRequire: PackageRequire = createRequire(import.meta.url)

/** The file `path` (the package, or a file of it) resolves to; FST_STEP_UP_DEPENDENCY_MISSING if the package is not there. */
function locate (dependency: OptionalDependency, path: string, require: PackageRequire): string {
  try {
    return require.resolve(path)
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw err
    throw Object.assign(new FST_STEP_UP_DEPENDENCY_MISSING(dependency.need, `npm install ${dependency.name}`), { cause: err })
  }
}

/**
 * Throws FST_STEP_UP_DEPENDENCY_MISSING unless the package is installed. It is only looked up, not
 * loaded: cheap enough for setup, so a feature that is turned on fails at startup rather than at
 * its first request, and cheap enough to run before each `import()` of it.
 */
export function requireInstalled (dependency: OptionalDependency): void {
  locate(dependency, dependency.name, packageRequire)
}

/** `path` (the package, or a file of it) required synchronously, for setup, which is synchronous. */
export function requireOptional<Module> (dependency: OptionalDependency, path: string = dependency.name, require: PackageRequire = packageRequire): Module {
  return require(locate(dependency, path, require)) as Module
}
