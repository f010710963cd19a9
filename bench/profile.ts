// Reads a V8 CPU profile (node --cpu-prof) and says where the time went: by package or lib/ file,
// both where the time was spent (self) and what was on the stack while it was (inclusive), and the
// busiest functions. `npm run bench -- --profile` prints this for each child it profiled; on its own:
// `node --import tsx bench/profile.ts <file.cpuprofile> [more...]`.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Where a frame's code lives: a package, a file of this repository, Node's core, or V8 itself. */
function areaOf ({ functionName, url }: ProfileNode['callFrame']): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native: V8 builtins, bindings, system calls)'
  const file = url.startsWith('file://') ? fileURLToPath(url) : url
  const modules = file.lastIndexOf('/node_modules/')
  if (modules !== -1) {
    const [scope, name] = file.slice(modules + '/node_modules/'.length).split('/')
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!
  }
  if (file.startsWith('node:')) return file.split('/').slice(0, 2).join('/')
  if (file.startsWith(root)) return path.relative(root, file)
  return file
}

function frameName (node: ProfileNode): string {
  const { functionName, lineNumber } = node.callFrame
  const area = areaOf(node.callFrame)
  if (node.callFrame.url === '') return functionName || area
  return `${functionName || '(anonymous)'} ${area}:${lineNumber + 1}`
}

function table (title: string, rows: Map<string, number>, total: number, limit: number): string {
  const sorted = [...rows].sort((a, b) => b[1] - a[1]).slice(0, limit)
  const lines = sorted.map(([name, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`)
  return [`${title}:`, ...lines].join('\n')
}

function add (map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value)
}

export async function summarizeProfile (file: string, limit = 15): Promise<string> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

  const selfByArea = new Map<string, number>()
  const stackByArea = new Map<string, number>()
  const selfByFunction = new Map<string, number>()
  const stackByOwnFunction = new Map<string, number>()
  let total = 0
  let idle = 0
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    const leaf = byId.get(id)!
    if (leaf.callFrame.functionName === '(idle)') {
      idle += us
      return
    }
    total += us
    add(selfByArea, areaOf(leaf.callFrame), us)
    add(selfByFunction, frameName(leaf), us)
    // Everything on the stack, each counted once per sample.
    const areas = new Set<string>()
    const own = new Set<string>()
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id) ?? -1)) {
      areas.add(areaOf(node.callFrame))
      if (/^(lib|bench)\//.test(areaOf(node.callFrame))) own.add(frameName(node))
    }
    for (const area of areas) add(stackByArea, area, us)
    for (const name of own) add(stackByOwnFunction, name, us)
  })
  stackByArea.delete('(root)')
  return [
    `${path.basename(file)}: ${(total / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle; percentages of busy time`,
    table('Self time by where the code lives', selfByArea, total, limit),
    table('On the stack (inclusive) by where the code lives', stackByArea, total, limit),
    table('Self time by function', selfByFunction, total, limit),
    table('On the stack (inclusive), this repository\'s functions', stackByOwnFunction, total, limit)
  ].join('\n\n')
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = process.argv.slice(2)
  if (files.length === 0) {
    console.error('usage: node --import tsx bench/profile.ts <file.cpuprofile> [more...]')
    process.exit(2)
  }
  for (const file of files) console.log(`${await summarizeProfile(file)}\n`)
}
