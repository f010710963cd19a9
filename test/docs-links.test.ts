// Every relative link in the README, CONTRIBUTING.md and docs/ must lead somewhere: the file exists
// and, with an anchor, the file has a heading with that GitHub slug. Pages move and headings get
// renamed; this catches the links left behind.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const root = fileURLToPath(new URL('..', import.meta.url))

/** A heading's anchor as GitHub makes it: lower case, punctuation but `-` and `_` dropped, each space a hyphen. */
function slug (heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link or image counts by its text
    .replace(/<[^>]*>/g, '') // inline HTML tags
    .replace(/`/g, '') // code spans keep their text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')
}

/** Lines outside fenced code blocks, with their line numbers: `#` in a shell block is no heading. */
function prose (markdown: string): Array<{ line: string, number: number }> {
  const lines: Array<{ line: string, number: number }> = []
  let fence: string | undefined
  markdown.split('\n').forEach((line, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence === undefined ? marker : undefined
      return
    }
    if (fence === undefined) lines.push({ line, number: index + 1 })
  })
  return lines
}

/** Every anchor a page offers: its headings' slugs, a repeated slug numbered as GitHub numbers it. */
function anchors (markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const found = new Set<string>()
  for (const { line } of prose(markdown)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const base = slug(heading)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    found.add(count === 0 ? base : `${base}-${count}`)
  }
  return found
}

interface Link { target: string, line: number }

/**
 * Relative links and images in a page, outside code: `[text](path)`, `[text](path#anchor)`,
 * `[text](#anchor)`. Link text may run over several lines; `line` is where the link starts.
 */
function relativeLinks (markdown: string): Link[] {
  const kept = new Set(prose(markdown).map(({ number }) => number))
  // Code blocks become empty lines and code spans blanks of the same length, so offsets keep their lines.
  const text = markdown
    .split('\n')
    .map((line, index) => kept.has(index + 1) ? line : '')
    .join('\n')
    .replace(/(`+)(?:(?!\1)[^\n]|\n(?![ \t]*\n))*?\1/g, (span) => span.replace(/[^\n]/g, ' '))
  const links: Link[] = []
  for (const match of text.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = match[1]!
    if (/^(?:https?|mailto):/i.test(target)) continue
    links.push({ target, line: text.slice(0, match.index).split('\n').length })
  }
  return links
}

/** What is wrong with a link from `page` (a path under `base`), or undefined when it resolves. */
function brokenLink (page: string, target: string, read: (path: string) => string | undefined, base = root): string | undefined {
  const hash = target.indexOf('#')
  const path = hash === -1 ? target : target.slice(0, hash)
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1))
  const file = path === '' ? page : join(dirname(page), decodeURIComponent(path))
  if (relative(base, file).startsWith('..')) return `${target}: leaves the repository`
  const text = read(file)
  if (text === undefined) return `${target}: ${relative(base, file)} does not exist`
  if (anchor === undefined) return undefined
  if (!file.endsWith('.md')) return `${target}: an anchor into a file that is not markdown`
  if (!anchors(text).has(anchor)) return `${target}: ${relative(base, file)} has no heading #${anchor}`
  return undefined
}

/** A file's text; '' for a directory or a binary (it exists), undefined when there is nothing. */
function readRepositoryFile (path: string): string | undefined {
  if (!existsSync(path)) return undefined
  if (statSync(path).isDirectory() || !path.endsWith('.md')) return ''
  return readFileSync(path, 'utf8')
}

t.test('slugs are GitHub\'s', async (t) => {
  t.equal(slug('`POST /step-up/email/send`'), 'post-step-upemailsend')
  t.equal(slug('Levels of assurance (`acr`)'), 'levels-of-assurance-acr')
  t.equal(slug('Several instances: Redis'), 'several-instances-redis')
  t.equal(slug('The client helper: `fastify-step-up/client`'), 'the-client-helper-fastify-step-upclient')
  t.equal(slug('Binding a step-up to an action (what you see is what you sign)'), 'binding-a-step-up-to-an-action-what-you-see-is-what-you-sign')
  t.equal(slug('`POST /step-up/sms/send` and `POST /step-up/sms/verify`'), 'post-step-upsmssend-and-post-step-upsmsverify')
  t.equal(slug('`POST /step-up/totp/verify`, `/backup-code/verify`, `/pin/verify`'), 'post-step-uptotpverify-backup-codeverify-pinverify')
  t.equal(slug('`amr` of a passkey token'), 'amr-of-a-passkey-token')
  t.equal(slug('Key pairs and JWKS'), 'key-pairs-and-jwks')
  t.equal(slug('A  double space, snake_case & a [link](x.md)'), 'a--double-space-snake_case--a-link', 'spaces are not collapsed; _ stays')
  t.equal(slug('Ünïcode Überschrift'), 'ünïcode-überschrift')
})

t.test('anchors skip code blocks and number repeated headings', async (t) => {
  const page = '# Title\n\n```sh\n# not a heading\n```\n\n## Errors\n\n### Errors\n\n## Closed ##\n'
  t.same([...anchors(page)], ['title', 'errors', 'errors-1', 'closed'])
})

t.test('links: relative ones found, web ones and code left alone', async (t) => {
  const page = [
    'See [Routes](routes.md), [a heading](#levels-of-assurance-acr) and ![a picture](step-up-dialog.png).',
    'Not these: [web](https://example.com/x.md), [mail](mailto:a@example.com), `[code](nowhere.md)`.',
    '```md',
    '[in a block](nowhere.md)',
    '```',
    '[Stores](stores.md#several-instances-redis "with a title"), and [a link whose text',
    'runs over two lines](security.md#threat-model).'
  ].join('\n')
  t.same(relativeLinks(page), [
    { target: 'routes.md', line: 1 },
    { target: '#levels-of-assurance-acr', line: 1 },
    { target: 'step-up-dialog.png', line: 1 },
    { target: 'stores.md#several-instances-redis', line: 6 },
    { target: 'security.md#threat-model', line: 6 }
  ])
})

t.test('a broken link is reported', async (t) => {
  const files: Record<string, string> = {
    '/repo/README.md': '# Title\n\n## Several instances: Redis\n',
    '/repo/docs/stores.md': '# Stores\n\n## Several instances: Redis\n'
  }
  const read = (path: string) => files[path]
  const check = (target: string) => brokenLink('/repo/README.md', target, read, '/repo')
  t.equal(check('docs/stores.md#several-instances-redis'), undefined)
  t.equal(check('#several-instances-redis'), undefined)
  t.equal(check('docs/stores.md'), undefined)
  t.match(check('docs/store.md'), /docs\/store\.md does not exist/)
  t.match(check('docs/stores.md#several-instances'), /has no heading #several-instances/)
  t.match(check('#stores'), /README\.md has no heading #stores/)
  t.match(check('../outside.md'), /leaves the repository/)
  t.equal(brokenLink('/repo/docs/stores.md', '../README.md#title', read, '/repo'), undefined, 'relative to the page that links')

  // The whole check on an inline page, as the real pages go through it.
  const page = 'Read [the store](docs/stores.md#several-instance-redis) and [this](#title).'
  const broken = relativeLinks(page).map(({ target }) => check(target)).filter(Boolean)
  t.same(broken, ['docs/stores.md#several-instance-redis: docs/stores.md has no heading #several-instance-redis'])
})

const docs = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => join('docs', name))
const pages = ['README.md', 'CONTRIBUTING.md', ...docs]

t.test('every relative link in the README, CONTRIBUTING.md and docs/ resolves', async (t) => {
  t.ok(docs.length > 0, 'docs/ has pages')
  for (const page of pages) {
    const path = join(root, page)
    const links = relativeLinks(readFileSync(path, 'utf8'))
    const broken = links
      .map(({ target, line }) => {
        const problem = brokenLink(path, target, readRepositoryFile)
        return problem && `${page}:${line}: ${problem}`
      })
      .filter((problem): problem is string => problem !== undefined)
    t.same(broken, [], `${page}: ${links.length} relative links, none broken`)
  }
})

t.test('every page in docs/ is linked from the README or another page', async (t) => {
  const linked = new Set<string>()
  for (const page of pages) {
    for (const { target } of relativeLinks(readFileSync(join(root, page), 'utf8'))) {
      const path = target.split('#')[0]!
      if (path !== '') linked.add(relative(root, join(dirname(join(root, page)), decodeURIComponent(path))))
    }
  }
  t.same(docs.filter((page) => !linked.has(page)), [], 'no page in docs/ is unreachable')
})
