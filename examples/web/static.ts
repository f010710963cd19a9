// A tiny static file server for the demo page, with no dependency: the files are listed once at
// start-up, from a few directories, and each gets a route of its own. Nothing is ever looked up
// from the request's path, so no URL can reach a file outside that list: there is no path to
// traverse. Files are read on each request, so a rebuilt page shows on reload.
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { FastifyInstance } from 'fastify'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon'
}

export interface StaticDirectory {
  /** A directory whose files (not subdirectories) are served, if their type is known. */
  dir: string
  /** The URL path they are served under, ending in "/". */
  prefix: string
  /** Only these extensions from this directory (the page's sources sit next to its HTML). */
  extensions: string[]
}

/**
 * The page's Content-Security-Policy: scripts only from this origin, plus the inline import map,
 * allowed by its hash; no inline styles, no framing, requests only to this origin.
 */
function contentSecurityPolicy (html: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1]
  const mapHash = importMap === undefined ? '' : ` 'sha256-${createHash('sha256').update(importMap).digest('base64')}'`
  return [
    "default-src 'none'",
    `script-src 'self'${mapHash}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join('; ')
}

/** Registers a GET route per file; `index` (a file name in one of the directories) is also served at "/". Returns the URLs. */
export async function serveStatic (app: FastifyInstance, directories: StaticDirectory[], index: string): Promise<string[]> {
  const files = new Map<string, string>()
  for (const { dir, prefix, extensions } of directories) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const ext = extname(entry.name)
      if (entry.isFile() && extensions.includes(ext) && CONTENT_TYPES[ext]) files.set(`${prefix}${entry.name}`, join(dir, entry.name))
    }
  }
  const indexFile = files.get(`/${index}`)
  if (indexFile) files.set('/', indexFile)

  for (const [url, file] of files) {
    const type = CONTENT_TYPES[extname(file)]!
    app.get(url, async (_request, reply) => {
      const body = await readFile(file)
      reply
        .type(type)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
      if (type.startsWith('text/html')) reply.header('content-security-policy', contentSecurityPolicy(body.toString('utf8')))
      return reply.send(body)
    })
  }
  return [...files.keys()]
}
