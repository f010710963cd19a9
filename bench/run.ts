// `npm run bench`: what the guard and the challenge cycle cost, measured against a bare Fastify route
// in the same run. Every server under test runs in a child process of its own, so the load
// generator's CPU (autocannon, here in the parent) is never counted as the server's. The HTTP
// variants take turns (A B C ... A B C ...), so a change in the machine's state hits them all alike.
// Traffic stays on 127.0.0.1; every window is bounded in time, the whole run too (WATCHDOG_MS); it
// stops by itself and stops only the processes it started, by their pids.
//
//   npm run bench                  the full run (about 5 minutes), saved to bench/results/latest.json
//   npm run bench:quick            a quick look (1 round of 1 s), not saved
//   npm run bench -- --only processes   N = 1 and 2 app processes on one Redis alone, saved to bench/results/processes.json
//   npm run bench -- --profile --only warm     CPU profiles of the servers, summarized (not saved)
//   npm run bench -- --only roundtrips  store round trips per cycle and the cycle's latency, before and
//                                       after the composite store operations, with 0 and 1 ms per round
//                                       trip (bench/roundtrips.ts); on its own, printed, not saved
//
// Load: 10 connections with 10 pipelined requests each, so one autocannon process keeps a one-core
// server busy on a two-core machine and requests per second measure the server, not the load
// generator (the "server busy" column says how close it came); --pipelining 1 sends one at a time.
//
// Options: --rounds N (3), --duration S (5, per window), --warmup S (2), --connections N (10),
// --pipelining N (10), --concurrency N (32 challenge cycles in flight), --only a,b (HTTP variants
// besides bare, and `cycle`, `memory`, `processes`, `roundtrips`: the parts not named are left out;
// not saved), --cycles N (300, per row of `roundtrips`), --no-redis, --profile, --no-save, --out FILE.
//
// `processes` (bench/processes.ts): N = 1 and 2 processes of one app on one redis-server the run
// starts itself, against N bare servers measured the same way.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { deriveKeys } from '../lib/core/secrets.js'
import { TokenService } from '../lib/core/tokens.js'
import { EMAIL_AMR } from '../lib/index.js'
import { backgroundLoad } from './load.js'
import { measureProcesses, type ProcessesEstimate, type ProcessesRow } from './processes.js'
import { summarizeProfile } from './profile.js'
import { measureRoundTrips, type RoundTripRow } from './roundtrips.js'
import {
  AUDIENCE,
  GUARD_USER,
  ISSUER,
  LOGIN_HEADERS,
  OPEN_ROUTE,
  ROUTE,
  SECRET,
  TOKEN_TTL_MS,
  type FromChild,
  type MemoryResult,
  type ServerKind,
  type ToChild
} from './shared.js'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    pipelining: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    only: { type: 'string' },
    cycles: { type: 'string', default: '300' },
    profile: { type: 'boolean', default: false },
    'no-redis': { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(here, 'results', 'latest.json') }
  }
})

function positive (name: string, value: string, max: number): number {
  const number = Number(value)
  if (!Number.isInteger(number) || number < 1 || number > max) throw new Error(`--${name} must be an integer from 1 to ${max}`)
  return number
}
const ROUNDS = positive('rounds', args.rounds, 10)
const DURATION = positive('duration', args.duration, 30)
const WARMUP = positive('warmup', args.warmup, 30)
const CONNECTIONS = positive('connections', args.connections, 100)
const PIPELINING = positive('pipelining', args.pipelining, 100)
const CONCURRENCY = positive('concurrency', args.concurrency, 256)
/** More distinct tokens than twice the cache's default size: used in turn, each is evicted before its next use. */
const COLD_TOKENS = 25_000
// Every target is a ratio to something measured in the same run, so it holds on a machine of any
// speed (the challenge cycle's absolute rate moved from 5,875 to 2,237 per second between two
// machines of the same kind). The cycle's 18 bare requests: what 5,000 cycles per second on one core
// (200 µs) was against the bare route (11.1 µs) on the machine where that target was set.
const TARGETS = { warmCpu: 1.15, warmThroughput: 0.85, coldOverFloor: 2, cycleOverBare: 18 }
/** Seconds of the floor measurement in each round (it is steady: one loop, no I/O). */
const FLOOR_SECONDS = 1

interface Variant {
  name: string
  label: string
  server: ServerKind
  route: string
  token: 'none' | 'warm' | 'cold' | 'jwt'
}

const ALL_VARIANTS: Variant[] = [
  { name: 'bare', label: 'bare Fastify route', server: 'bare', route: ROUTE, token: 'none' },
  { name: 'unguarded', label: 'unguarded route, in an app with the plugin', server: 'step-up', route: OPEN_ROUTE, token: 'none' },
  { name: 'warm', label: '`requireStepUp`, warm token (cache hit)', server: 'step-up', route: ROUTE, token: 'warm' },
  { name: 'floor', label: 'floor route: a bare route whose hook does only the floor of a cold check (below) on a new token every request', server: 'floor', route: ROUTE, token: 'cold' },
  { name: 'cold', label: '`requireStepUp`, new token every request', server: 'step-up', route: ROUTE, token: 'cold' },
  { name: 'cold-nocache', label: '`requireStepUp`, new token every request, `tokenCache: false`', server: 'step-up-nocache', route: ROUTE, token: 'cold' },
  { name: 'jwt', label: '@fastify/jwt `request.jwtVerify()`', server: 'jwt', route: ROUTE, token: 'jwt' }
]
const only = args.only?.split(',').map((name) => name.trim())
const PARTS = ['cycle', 'memory', 'processes', 'roundtrips']
const unknown = only?.filter((name) => !PARTS.includes(name) && !ALL_VARIANTS.some((variant) => variant.name === name))
if (unknown?.length) throw new Error(`--only: unknown ${unknown.join(', ')}; known: ${[...ALL_VARIANTS.map((v) => v.name), ...PARTS].join(', ')}`)
const variants = ALL_VARIANTS.filter((variant) => !only || variant.name === 'bare' || only.includes(variant.name))
const runCycles = !only || only.includes('cycle')
const runMemory = !only || only.includes('memory')
const runProcesses = !only || only.includes('processes')
const runRoundTrips = !only || only.includes('roundtrips')
/** Cycles per row of the round-trip part (--cycles). */
const ROUND_TRIP_CYCLES = positive('cycles', args.cycles, 100_000)
const save = !args['no-save'] && !args.profile && !only
/** `--only processes` saves that part on its own (bench/results/processes.json), so it can be run alone. */
const saveProcesses = !args['no-save'] && !args.profile && only?.length === 1 && only[0] === 'processes'

// ---------------------------------------------------------------------------------------------
// Cores: the server under test gets one core to itself, with all its threads (V8's helpers and the
// libuv pool where WebCrypto works), and the load generator (this process, and redis-server) the
// other, so "per second" means per second of one core. Needs two cores and taskset (Linux).

/** The CPUs this process may run on, from taskset ("pid 1's current affinity list: 0-2,4"); none without taskset. */
function allowedCpus (): number[] {
  const result = spawnSync('taskset', ['--cpu-list', '--pid', String(process.pid)], { encoding: 'utf8' })
  if (result.status !== 0) return []
  return (/list:\s*([\d,-]+)/.exec(result.stdout)?.[1] ?? '').split(',').flatMap((range) => {
    const [first, last = first] = range.split('-').map(Number)
    return Array.from({ length: last! - first! + 1 }, (_, i) => first! + i)
  })
}
const cpus = allowedCpus()
const pinning = cpus.length >= 2
const LOAD_CPU = cpus[0] ?? 0
const SERVER_CPU = cpus[1] ?? 0

/** Pins every thread of a process, and the threads it starts later, to one CPU (or to several). */
function pin (pid: number | undefined, cpu: number | number[]): void {
  if (!pinning || pid === undefined) return
  const list = Array.isArray(cpu) ? cpu.join(',') : String(cpu)
  const result = spawnSync('taskset', ['--all-tasks', '--pid', '--cpu-list', list, String(pid)], { stdio: 'ignore' })
  if (result.status !== 0) throw new Error(`taskset could not pin process ${pid} to CPU ${list}`)
}
pin(process.pid, LOAD_CPU)

// ---------------------------------------------------------------------------------------------
// Child processes: started here, stopped here, by pid.

const children = new Set<ChildProcess>()
/** However the run goes, it ends by itself. */
const WATCHDOG_MS = 15 * 60 * 1000
setTimeout(() => {
  console.error(`the run took more than ${WATCHDOG_MS / 60_000} minutes: stopping it`)
  stopAll().finally(() => process.exit(1))
}, WATCHDOG_MS).unref()
const profileDir = args.profile ? await mkdtemp(path.join(os.tmpdir(), 'step-up-bench-profile-')) : undefined

function startChild (file: string, childArgs: string[], name: string, options: { execArgv?: string[], env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const profile = profileDir ? { BENCH_PROFILE_FILE: path.join(profileDir, `${name}.cpuprofile`) } : {}
  const child = fork(path.join(here, file), childArgs, {
    cwd: root,
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env, ...profile },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

function waitFor<T extends FromChild['type']> (child: ChildProcess, type: T, id?: number): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromChild): void => {
      if (message.type === 'error') {
        cleanup()
        reject(new Error(message.message))
      } else if (message.type === type && (id === undefined || ('id' in message && message.id === id))) {
        cleanup()
        resolve(message as Extract<FromChild, { type: T }>)
      }
    }
    const onExit = (code: number | null): void => {
      cleanup()
      reject(new Error(`child ${child.pid} exited (${code}) before it sent "${type}"`))
    }
    const cleanup = (): void => {
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

let nextId = 0
function ask<T extends FromChild['type']> (child: ChildProcess, type: T, message: Omit<Extract<ToChild, { type: T }>, 'id'>): Promise<Extract<FromChild, { type: T }>> {
  const id = ++nextId
  const reply = waitFor(child, type, id)
  child.send({ ...message, id })
  return reply
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  if (child.connected) child.send({ type: 'close' } satisfies ToChild)
  const timer = setTimeout(() => child.kill('SIGTERM'), 10_000)
  await exited
  clearTimeout(timer)
}

let redisServer: ChildProcess | undefined
let redisDir: string | undefined

/** The run's own processes, whose CPU time is not background load. */
function ownPids (): number[] {
  return [process.pid, ...[...children, ...(redisServer ? [redisServer] : [])].flatMap((child) => child.pid === undefined ? [] : [child.pid])]
}

async function stopAll (): Promise<void> {
  await Promise.all([...children].map(stopChild))
  if (redisServer && redisServer.exitCode === null && redisServer.signalCode === null) {
    const exited = once(redisServer, 'exit')
    process.kill(redisServer.pid!, 'SIGTERM')
    await exited
  }
  if (redisDir) await rm(redisDir, { recursive: true, force: true })
}

process.once('SIGINT', () => {
  console.error('\ninterrupted: stopping the processes this run started')
  stopAll().finally(() => process.exit(130))
})

// ---------------------------------------------------------------------------------------------
// Redis, only for the Redis cycle: REDIS_URL, else a redis-server of our own, else none.

async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

async function findRedis (): Promise<{ url: string, source: string } | { skip: string }> {
  if (args['no-redis']) return { skip: 'left out with --no-redis' }
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, source: 'REDIS_URL' }
  return ownRedis()
}

let ownRedisStarted: Promise<{ url: string, source: string, pid: number } | { skip: string }> | undefined
/**
 * A redis-server of the run's own on a free loopback port, started once, stopped by its pid at the
 * end: the several-processes measurement reads its CPU time, so it is always this one.
 */
function ownRedis (): Promise<{ url: string, source: string, pid: number } | { skip: string }> {
  if (args['no-redis']) return Promise.resolve({ skip: 'left out with --no-redis' })
  ownRedisStarted ??= startRedis()
  return ownRedisStarted
}

async function startRedis (): Promise<{ url: string, source: string, pid: number } | { skip: string }> {
  const version = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (version.status !== 0) return { skip: `no Redis: ${process.env.REDIS_URL ? '' : 'REDIS_URL is not set and '}redis-server is not on PATH` }
  const port = await freePort()
  redisDir = await mkdtemp(path.join(os.tmpdir(), 'step-up-bench-redis-'))
  const server = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', redisDir
  ], { stdio: ['ignore', 'pipe', 'inherit'] })
  redisServer = server
  pin(server.pid, LOAD_CPU)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)))
    createInterface({ input: server.stdout! }).on('line', (line) => {
      if (line.includes('Ready to accept connections')) resolve()
    })
  })
  return { url: `redis://127.0.0.1:${port}`, source: `redis-server ${/v=(\S+)/.exec(version.stdout)?.[1] ?? ''} started by the run (pid ${server.pid})`.trim(), pid: server.pid! }
}

// ---------------------------------------------------------------------------------------------
// Measurements.

interface Window {
  requests: number
  seconds: number
  cpuUs: number
  /** CPU cores other processes on the machine used meanwhile. */
  background: number | undefined
  non2xx: number
  errors: number
  cache?: { hits: number, misses: number }
  /** The server's heap at the end of the window. */
  heapUsed: number
  latencies: Latencies
}

function cpuDelta (before: NodeJS.CpuUsage, after: NodeJS.CpuUsage): number {
  return after.user - before.user + after.system - before.system
}

function cannon (options: autocannon.Options, onLatency: (ms: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, result) => err ? reject(err) : resolve(result))
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) onLatency(responseTime)
    })
  })
}

const servers = new Map<ServerKind, { child: ChildProcess, port: number }>()
let warmToken = ''
let jwtToken = ''
let coldTokens: string[] = []
/**
 * Where each cold variant is in the tokens: each goes through them in order, on its own, so a token
 * comes back only after COLD_TOKENS - 1 others, long after the cache (10,000) has evicted it.
 */
const coldNext = new Map<string, number>()

function requestsFor (variant: Variant): Pick<autocannon.Options, 'headers' | 'requests'> {
  switch (variant.token) {
    case 'none': return { headers: LOGIN_HEADERS }
    case 'warm': return { headers: { ...LOGIN_HEADERS, 'x-step-up-token': warmToken } }
    case 'jwt': return { headers: { ...LOGIN_HEADERS, authorization: `Bearer ${jwtToken}` } }
    case 'cold': return {
      headers: LOGIN_HEADERS,
      requests: [{
        setupRequest: (request) => {
          const next = coldNext.get(variant.name) ?? 0
          coldNext.set(variant.name, next + 1)
          return { ...request, headers: { ...request.headers, 'x-step-up-token': coldTokens[next % COLD_TOKENS]! } }
        }
      }]
    }
  }
}

async function measureHttp (variant: Variant, seconds: number): Promise<Window> {
  const { child, port } = servers.get(variant.server)!
  const latencies = new Latencies()
  const before = await ask(child, 'sample', { type: 'sample' })
  const load = backgroundLoad(ownPids)
  const start = performance.now()
  const result = await cannon({
    url: `http://127.0.0.1:${port}${variant.route}`,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: seconds,
    timeout: 10,
    ...requestsFor(variant)
  }, (ms) => latencies.record(ms))
  const elapsed = (performance.now() - start) / 1000
  const background = load()
  const after = await ask(child, 'sample', { type: 'sample' })
  return {
    requests: result['2xx'],
    seconds: elapsed,
    cpuUs: cpuDelta(before.cpu, after.cpu),
    background,
    heapUsed: after.heapUsed,
    non2xx: result.non2xx,
    errors: result.errors,
    ...(before.cache && after.cache ? { cache: { hits: after.cache.hits - before.cache.hits, misses: after.cache.misses - before.cache.misses } } : {}),
    latencies
  }
}

/** Response times in 10 µs steps up to 1 s: constant memory however many requests a window has. */
class Latencies {
  static readonly STEP_MS = 0.01
  readonly counts = new Uint32Array(100_001)
  total = 0

  record (ms: number): void {
    this.counts[Math.min(this.counts.length - 1, Math.round(ms / Latencies.STEP_MS))]!++
    this.total++
  }

  percentile (p: number): number {
    const rank = Math.ceil((p / 100) * this.total)
    let seen = 0
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!
      if (seen >= rank && seen > 0) return i * Latencies.STEP_MS
    }
    return Number.NaN
  }

  static merge (all: Latencies[]): Latencies {
    const merged = new Latencies()
    for (const one of all) {
      for (let i = 0; i < one.counts.length; i++) merged.counts[i]! += one.counts[i]!
      merged.total += one.total
    }
    return merged
  }
}

interface HttpRow {
  name: string
  label: string
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  cpuUsPerRequest: number
  /** Server CPU time over wall time: below 100%, the server was waiting for the load generator. */
  serverBusy: number
  cpuRatio: number
  throughputRatio: number
  requests: number
  non2xx: number
  errors: number
  cache?: { hits: number, misses: number }
  /** CPU cores other processes used during this variant's windows, on average. */
  background: number | undefined
  rounds: Array<{ requestsPerSecond: number, cpuUsPerRequest: number, background: number | undefined, serverHeapMiB: number, cpuRatio: number, throughputRatio: number }>
}

function mean (values: Array<number | undefined>): number | undefined {
  return values.some((value) => value === undefined) ? undefined : values.reduce<number>((sum, value) => sum + value!, 0) / values.length
}

const others = (background: number | undefined): string => background === undefined ? '' : `, other processes ${background.toFixed(2)} cores`

// ---------------------------------------------------------------------------------------------
// The run.

const started = performance.now()
const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)} s`
const log = (line: string): void => console.error(`[${elapsed().padStart(5)}] ${line}`)

/** Whether the CPU says it runs under a hypervisor (Linux). */
function virtualized (): boolean | undefined {
  try {
    return /^flags\s*:.*\bhypervisor\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'))
  } catch {
    return undefined
  }
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  virtualMachine: virtualized(),
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  date: new Date().toISOString()
}

async function versionOf (name: string): Promise<string> {
  const { createRequire } = await import('node:module')
  const require = createRequire(path.join(root, 'package.json'))
  try {
    return (require(`${name}/package.json`) as { version: string }).version
  } catch {
    return 'unknown'
  }
}
const versions = Object.fromEntries(await Promise.all(
  ['fastify', 'jose', 'lru-cache', '@fastify/jwt', 'fast-jwt', 'nodemailer', 'ioredis', 'autocannon'].map(async (name) => [name, await versionOf(name)])
)) as Record<string, string>

// Which code was measured: the commit, and whether lib/ had changes not committed yet.
const git = (gitArgs: string[]): string => spawnSync('git', gitArgs, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? ''
const code = { commit: git(['rev-parse', 'HEAD']) || 'unknown', libChanged: git(['status', '--porcelain', '--', 'lib']) !== '' }

let httpRows: HttpRow[] = []
let cycleRows: Array<{ store: string, cyclesPerSecond: number, cpuUsPerCycle: number, cyclesPerCpuSecond: number, nodeBusy: number, cycles: number, failures: number, background: number | undefined }> = []
let cycleNote: string | undefined
/** The bare route measured in the challenge cycle's rounds, one window before each. */
const bareBesideCycles = { requests: 0, cpuUs: 0 }
/** A bare request's CPU beside the cycle, or undefined when the cycle did not run. */
const bareCycleUs = (): number | undefined => bareBesideCycles.requests > 0 ? bareBesideCycles.cpuUs / bareBesideCycles.requests : undefined
const floorWindows: Array<{ ops: number, cpuUs: number }> = []
/** CPU of one floor operation (HMAC, base64url, payload decoded and parsed), from this run. */
let floorUs: number | undefined
let memoryResults: MemoryResult[] = []
let processRows: ProcessesRow[] = []
let processEstimate: ProcessesEstimate[] = []
let processNote: string | undefined
let roundTripRows: RoundTripRow[] = []
let roundTripNote: string | undefined

/** The round-trip part: one cycle at a time, so it measures latency; it needs Redis. */
async function roundTrips (): Promise<void> {
  const redis = await findRedis()
  if ('skip' in redis) {
    roundTripNote = redis.skip
    log(`round trips: skipped: ${redis.skip}`)
    return
  }
  roundTripNote = `Redis: ${redis.source}`
  roundTripRows = await measureRoundTrips({ redisUrl: redis.url, cycles: ROUND_TRIP_CYCLES, log })
}

function roundTripLines (): string[] {
  if (roundTripRows.length === 0) return runRoundTrips && roundTripNote ? ['', `Round trips: skipped: ${roundTripNote}`] : []
  const lines = ['', `| Challenge cycle on RedisStore (send + verify, one at a time, ${ROUND_TRIP_CYCLES} cycles) | store round trips per cycle | added per round trip | mean (ms) | p50 (ms) | p99 (ms) |`, '|---|---:|---:|---:|---:|---:|']
  for (const row of roundTripRows) {
    lines.push(`| ${row.store === 'before' ? 'before: composed from the primitives' : 'after: the composite operations'} | ${row.roundTripsPerCycle.toFixed(2)} | ${row.delayMs} ms | ${row.meanMs.toFixed(2)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} |`)
  }
  return lines
}

// Asked for alone, the round-trip part runs without the HTTP windows, and is printed, not saved.
if (only?.length === 1 && only[0] === 'roundtrips') {
  try {
    await roundTrips()
  } finally {
    await stopAll()
  }
  console.log(roundTripLines().join('\n') + '\n')
  process.exit(0)
}

try {
  log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`)
  log(`HTTP: ${variants.map((v) => v.name).join(', ')}; ${ROUNDS} rounds of ${DURATION} s each, ${CONNECTIONS} connections, after ${WARMUP} s of warm-up each`)

  // One child per server kind; warm and cold share the step-up server, as they share a real app.
  await Promise.all([...new Set(variants.map((variant) => variant.server))].map(async (kind) => {
    const child = startChild('server.ts', [kind], kind)
    const ready = await waitFor(child, 'ready')
    pin(child.pid, SERVER_CPU) // once started: every thread it has by then, and the ones they start later
    servers.set(kind, { child, port: ready.port! })
    if (ready.jwt) jwtToken = ready.jwt
  }))

  // Tokens made by the plugin's own token service, with the key it derives from the same secret.
  const issuer = new TokenService({
    secretKey: deriveKeys(Buffer.from(SECRET)).token,
    keys: undefined,
    issuer: ISSUER,
    audience: AUDIENCE,
    ttlMs: TOKEN_TTL_MS,
    clock: Date,
    cacheMax: 0
  })
  warmToken = (await issuer.issue(GUARD_USER, { amr: EMAIL_AMR })).token
  if (variants.some((variant) => variant.token === 'cold')) {
    coldTokens = []
    for (let i = 0; i < COLD_TOKENS; i++) coldTokens.push((await issuer.issue(GUARD_USER, { amr: EMAIL_AMR })).token)
    log(`minted ${COLD_TOKENS.toLocaleString('en')} distinct tokens for the cold variants`)
  }

  // Every variant answers 200 before anything is measured.
  for (const variant of variants) {
    const { port } = servers.get(variant.server)!
    const { headers = {}, requests } = requestsFor(variant)
    const first = requests?.[0]?.setupRequest?.({ headers }, {})?.headers ?? headers
    const response = await fetch(`http://127.0.0.1:${port}${variant.route}`, { headers: first })
    if (response.status !== 200) throw new Error(`${variant.name}: expected 200, got ${response.status} ${await response.text()}`)
  }

  for (const variant of variants) await measureHttp(variant, WARMUP)
  log('warm-up done')

  // The floor of a cold check, on the servers' core, once per round between the HTTP windows.
  const floorChild = startChild('floor.ts', [], 'floor')
  await waitFor(floorChild, 'ready')
  pin(floorChild.pid, SERVER_CPU)
  await ask(floorChild, 'floor', { type: 'floor', ms: WARMUP * 1000 })

  const windows = new Map<string, Window[]>(variants.map((variant) => [variant.name, []]))
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of variants) {
      const window = await measureHttp(variant, DURATION)
      windows.get(variant.name)!.push(window)
      const cache = window.cache ? `, cache ${window.cache.hits} hits / ${window.cache.misses} misses` : ''
      log(`round ${round} ${variant.name.padEnd(12)} ${Math.round(window.requests / window.seconds).toString().padStart(6)} req/s, ` +
        `${(window.cpuUs / window.requests).toFixed(1)} µs CPU/req, server busy ${(100 * window.cpuUs / 1e6 / window.seconds).toFixed(0)}%, ` +
        `heap ${(window.heapUsed / 2 ** 20).toFixed(0)} MiB${cache}${others(window.background)}`)
    }
    const floor = await ask(floorChild, 'floor', { type: 'floor', ms: FLOOR_SECONDS * 1000 })
    floorWindows.push({ ops: floor.ops, cpuUs: cpuDelta({ user: 0, system: 0 }, floor.cpu) })
    log(`round ${round} floor        ${(cpuDelta({ user: 0, system: 0 }, floor.cpu) / floor.ops).toFixed(2)} µs CPU per HMAC, decode and parse`)
  }
  await stopChild(floorChild)
  const floorOps = floorWindows.reduce((total, w) => total + w.ops, 0)
  floorUs = floorWindows.reduce((total, w) => total + w.cpuUs, 0) / floorOps

  const bare = windows.get('bare')!
  httpRows = variants.map((variant) => {
    const list = windows.get(variant.name)!
    const sum = (pick: (window: Window) => number): number => list.reduce((total, window) => total + pick(window), 0)
    const requests = sum((w) => w.requests)
    const seconds = sum((w) => w.seconds)
    const cpuUs = sum((w) => w.cpuUs)
    const latencies = Latencies.merge(list.map((w) => w.latencies))
    const bareRequests = bare.reduce((total, w) => total + w.requests, 0)
    const bareCpu = bare.reduce((total, w) => total + w.cpuUs, 0) / bareRequests
    const bareRps = bareRequests / bare.reduce((total, w) => total + w.seconds, 0)
    const cache = list.every((w) => w.cache) ? { hits: sum((w) => w.cache!.hits), misses: sum((w) => w.cache!.misses) } : undefined
    return {
      name: variant.name,
      label: variant.label,
      requestsPerSecond: requests / seconds,
      p50Ms: latencies.percentile(50),
      p99Ms: latencies.percentile(99),
      cpuUsPerRequest: cpuUs / requests,
      serverBusy: cpuUs / 1e6 / seconds,
      cpuRatio: cpuUs / requests / bareCpu,
      throughputRatio: requests / seconds / bareRps,
      requests,
      non2xx: sum((w) => w.non2xx),
      errors: sum((w) => w.errors),
      ...(cache ? { cache } : {}),
      background: mean(list.map((w) => w.background)),
      // Each round against the bare route of the same round: how steady the ratios are.
      rounds: list.map((w, i) => ({
        requestsPerSecond: w.requests / w.seconds,
        cpuUsPerRequest: w.cpuUs / w.requests,
        background: w.background,
        serverHeapMiB: Math.round(w.heapUsed / 2 ** 20),
        cpuRatio: (w.cpuUs / w.requests) / (bare[i]!.cpuUs / bare[i]!.requests),
        throughputRatio: (w.requests / w.seconds) / (bare[i]!.requests / bare[i]!.seconds)
      }))
    }
  })
  for (const row of httpRows) {
    if (row.non2xx > 0 || row.errors > 0) throw new Error(`${row.name}: ${row.non2xx} non-2xx responses and ${row.errors} errors`)
  }
  // The bare server stays up for the challenge cycle, which is compared with it in the same rounds.
  await Promise.all([...servers.entries()].filter(([kind]) => kind !== 'bare' || !runCycles).map(([, { child }]) => stopChild(child)))

  if (runCycles) {
    const redis = await findRedis()
    if ('skip' in redis) {
      cycleNote = redis.skip
      log(`challenge cycle: Redis row skipped: ${redis.skip}`)
    } else {
      cycleNote = `Redis: ${redis.source}`
      log(`challenge cycle: ${cycleNote}`)
    }
    const child = startChild('cycle.ts', [], 'cycle', { env: 'url' in redis ? { BENCH_REDIS_URL: redis.url } : {} })
    const ready = await waitFor(child, 'ready')
    pin(child.pid, SERVER_CPU)
    const stores: Array<'memory' | 'redis'> = ready.redis ? ['memory', 'redis'] : ['memory']
    for (const store of stores) {
      const warmUp = await ask(child, 'cycles', { type: 'cycles', store, ms: WARMUP * 1000, concurrency: CONCURRENCY })
      if (warmUp.failures > 0) throw new Error(`challenge cycle (${store}): ${warmUp.failures} failed, first: ${warmUp.firstFailure}`)
    }
    const totals = new Map(stores.map((store) => [store, { cycles: 0, failures: 0, wallMs: 0, cpuUs: 0, background: [] as Array<number | undefined> }]))
    const bareVariant = ALL_VARIANTS.find((variant) => variant.name === 'bare')!
    for (let round = 1; round <= ROUNDS; round++) {
      // A bare window beside the cycle's in every round: this machine's speed drifts by more than
      // the target's margin within minutes, and the ratio must compare two things measured together.
      const bare = await measureHttp(bareVariant, DURATION)
      bareBesideCycles.requests += bare.requests
      bareBesideCycles.cpuUs += bare.cpuUs
      log(`round ${round} cycle bare   ${(bare.cpuUs / bare.requests).toFixed(1)} µs CPU/req${others(bare.background)}`)
      for (const store of stores) {
        const load = backgroundLoad(ownPids)
        const result = await ask(child, 'cycles', { type: 'cycles', store, ms: DURATION * 1000, concurrency: CONCURRENCY })
        const background = load()
        if (result.failures > 0) throw new Error(`challenge cycle (${store}): ${result.failures} failed, first: ${result.firstFailure}`)
        const total = totals.get(store)!
        total.cycles += result.cycles
        total.failures += result.failures
        total.wallMs += result.wallMs
        total.cpuUs += cpuDelta({ user: 0, system: 0 }, result.cpu)
        total.background.push(background)
        log(`round ${round} cycle ${store.padEnd(6)} ${Math.round(result.cycles / result.wallMs * 1000).toString().padStart(6)} cycles/s, ` +
          `${(cpuDelta({ user: 0, system: 0 }, result.cpu) / result.cycles).toFixed(1)} µs CPU/cycle${others(background)}`)
      }
    }
    await stopChild(child)
    await stopChild(servers.get('bare')!.child)
    cycleRows = stores.map((store) => {
      const { cycles, failures, wallMs, cpuUs, background } = totals.get(store)!
      return {
        store: store === 'memory' ? 'MemoryStore' : 'RedisStore',
        cyclesPerSecond: cycles / wallMs * 1000,
        cpuUsPerCycle: cpuUs / cycles,
        cyclesPerCpuSecond: cycles / (cpuUs / 1e6),
        nodeBusy: cpuUs / 1000 / wallMs,
        cycles,
        failures,
        background: mean(background)
      }
    })
  }

  if (runProcesses) {
    const redis = await ownRedis()
    if ('skip' in redis) {
      processNote = redis.skip
      log(`processes: skipped: ${redis.skip}`)
    } else {
      processNote = `Redis: ${redis.source}`
      const measured = await measureProcesses({
        startChild: (file, childArgs, name, options) => startChild(file, childArgs, name, options),
        ready: (child) => waitFor(child, 'ready'),
        sample: async (child) => (await ask(child, 'sample', { type: 'sample' })).cpu,
        stopChild,
        pin,
        cpus: pinning ? [LOAD_CPU, SERVER_CPU] : [],
        redis: { url: redis.url, pid: redis.pid },
        cannon: (options) => cannon(options, () => {}),
        background: () => backgroundLoad(ownPids),
        log,
        settings: { rounds: ROUNDS, duration: DURATION, warmup: WARMUP, connections: CONNECTIONS, pipelining: PIPELINING, concurrency: CONCURRENCY },
        warmToken
      })
      processRows = measured.rows
      processEstimate = measured.estimate
    }
  }

  if (runRoundTrips) await roundTrips()

  if (runMemory) {
    const child = startChild('memory.ts', [], 'memory', { execArgv: ['--expose-gc'] })
    const exited = once(child, 'exit')
    memoryResults = (await waitFor(child, 'memory')).results
    await exited
    log(`memory: ${memoryResults.map((r) => `${r.label} ${Math.round(r.bytesPer)} B`).join(', ')}`)
  }
} finally {
  await stopAll()
}

// ---------------------------------------------------------------------------------------------
// Report.

const number = (value: number, digits = 0): string => value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const ratio = (value: number): string => `${value.toFixed(2)}×`
const byName = new Map(httpRows.map((row) => [row.name, row]))

interface Target { name: string, pass: boolean, detail: string }
const targets: Target[] = []
const warm = byName.get('warm')
if (warm) {
  targets.push({
    name: 'warm guard, server CPU per request',
    pass: warm.cpuRatio <= TARGETS.warmCpu,
    detail: `${ratio(warm.cpuRatio)} bare (target ≤ ${TARGETS.warmCpu}×)`
  }, {
    name: 'warm guard, throughput',
    pass: warm.throughputRatio >= TARGETS.warmThroughput,
    detail: `${ratio(warm.throughputRatio)} bare (target ≥ ${TARGETS.warmThroughput}×)`
  })
}
const bareRow = byName.get('bare')
const cold = byName.get('cold')
const jwt = byName.get('jwt')
const floorRoute = byName.get('floor')
if (cold && bareRow && (floorRoute || floorUs !== undefined)) {
  // Against the floor as a route when it ran: the same work in a server, with the server's caches and
  // heap around it, costs more than in a loop, and the guard pays that too. The loop's ratio is given
  // beside it.
  const over = cold.cpuUsPerRequest - bareRow.cpuUsPerRequest
  const routeFloor = floorRoute ? floorRoute.cpuUsPerRequest - bareRow.cpuUsPerRequest : undefined
  const floor = routeFloor !== undefined && routeFloor > 0 ? routeFloor : floorUs!
  const loop = floorUs === undefined ? '' : `; against the floor in a loop (${floorUs.toFixed(2)} µs): ${ratio(over / floorUs)}`
  targets.push({
    name: 'cold guard, server CPU over a bare route, against the floor of a cold check',
    pass: over <= TARGETS.coldOverFloor * floor,
    detail: floor === routeFloor
      ? `${over.toFixed(1)} µs over bare = ${ratio(over / floor)} the floor route's ${floor.toFixed(2)} µs over bare (target ≤ ${TARGETS.coldOverFloor}×)${loop}`
      : `${over.toFixed(1)} µs over bare = ${ratio(over / floor)} the floor of ${floor.toFixed(2)} µs (target ≤ ${TARGETS.coldOverFloor}×)`
  })
}
if (cold && jwt) {
  targets.push({
    name: 'cold guard, server CPU per request, against @fastify/jwt',
    pass: cold.cpuRatio < jwt.cpuRatio,
    detail: `${ratio(cold.cpuRatio)} bare, @fastify/jwt ${ratio(jwt.cpuRatio)} (target: below @fastify/jwt)`
  })
}
const memoryCycle = cycleRows.find((row) => row.store === 'MemoryStore')
const cycleBareUs = bareCycleUs()
if (memoryCycle && cycleBareUs !== undefined) {
  const over = memoryCycle.cpuUsPerCycle / cycleBareUs
  targets.push({
    name: 'challenge cycle, MemoryStore, CPU per cycle against a bare request\'s (measured in the same rounds)',
    pass: over <= TARGETS.cycleOverBare,
    detail: `${memoryCycle.cpuUsPerCycle.toFixed(0)} µs = ${over.toFixed(1)} bare requests of ${cycleBareUs.toFixed(1)} µs (target ≤ ${TARGETS.cycleOverBare}; ${number(memoryCycle.cyclesPerSecond)} cycles/s here)`
  })
}

// Other processes' CPU use during every measured window, as a check on the figures.
const loads = [...httpRows.flatMap((row) => row.rounds.map((round) => round.background)), ...cycleRows.map((row) => row.background)]
const background = loads.length > 0 && loads.every((load) => load !== undefined)
  ? { mean: loads.reduce((sum, load) => sum + load, 0) / loads.length, max: Math.max(...loads) }
  : undefined
const QUIET = 0.15

const lines: string[] = []
lines.push(`Measured ${machine.date.slice(0, 10)} on ${machine.cpu}${machine.virtualMachine ? ' (virtual machine)' : ''}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; ` +
  `fastify ${versions.fastify}, jose ${versions.jose}, @fastify/jwt ${versions['@fastify/jwt']}, autocannon ${versions.autocannon}. ` +
  `${ROUNDS} interleaved rounds of ${DURATION} s per HTTP variant, ${CONNECTIONS} connections, ` +
  `${PIPELINING === 1 ? 'no pipelining' : `pipelining ${PIPELINING}`}; ` +
  `${pinning ? 'server on one core, load generator on the other' : 'processes not pinned to cores'}.` +
  (background ? ` Other processes used ${background.mean.toFixed(2)} cores on average during the measurements (at most ${background.max.toFixed(2)}).` : ''))
lines.push('')
lines.push('| Route | req/s | p99 (ms) | Server CPU per request (µs) | Server busy | CPU per request vs bare | req/s vs bare |')
lines.push('|---|---:|---:|---:|---:|---:|---:|')
for (const row of httpRows) {
  lines.push(`| ${row.label} | ${number(row.requestsPerSecond)} | ${row.p99Ms.toFixed(2)} | ${row.cpuUsPerRequest.toFixed(1)} | ${(100 * row.serverBusy).toFixed(0)}% | ${ratio(row.cpuRatio)} | ${ratio(row.throughputRatio)} |`)
}
if (floorUs !== undefined) {
  lines.push(`| floor of a cold check: one HMAC-SHA256, its base64url, the payload decoded and parsed (a loop, no HTTP) | | | ${floorUs.toFixed(2)} | | | |`)
}
if (cycleRows.length > 0 || cycleNote) {
  lines.push('')
  lines.push(`| Challenge cycle (send, read the code, verify; app.inject, ${CONCURRENCY} in flight${pinning ? ', one core' : ''}) | cycles/s | Node CPU per cycle (µs) | CPU per cycle in bare requests (bare measured in the same rounds) | cycles per CPU-second | Node busy |`)
  lines.push('|---|---:|---:|---:|---:|---:|')
  for (const row of cycleRows) {
    const bareUs = bareCycleUs()
    const inBare = bareUs ? (row.cpuUsPerCycle / bareUs).toFixed(1) : ''
    lines.push(`| ${row.store} | ${number(row.cyclesPerSecond)} | ${row.cpuUsPerCycle.toFixed(0)} | ${inBare} | ${number(row.cyclesPerCpuSecond)} | ${(100 * row.nodeBusy).toFixed(0)}% |`)
  }
  if (!cycleRows.some((row) => row.store === 'RedisStore')) lines.push(`| RedisStore | skipped: ${cycleNote} | | | | |`)
}
if (memoryResults.length > 0) {
  const record = memoryResults.find((r) => r.label === 'record')
  const send = memoryResults.find((r) => r.label === 'send')
  lines.push('')
  lines.push('| MemoryStore holding 100,000 pending challenges | heap per challenge |')
  lines.push('|---|---:|')
  if (record) lines.push(`| the challenge record (\`createChallenge\`) | ${number(record.bytesPer)} B |`)
  if (send) lines.push(`| everything a send leaves (challenge, resend cooldown, send counter) | ${number(send.bytesPer)} B |`)
}
if (processRows.length > 0) {
  const [one, two] = processRows
  lines.push('')
  lines.push(`| Several processes of one app on one Redis: send, verify, single-use guarded request, each on the next process (HTTP, ${CONCURRENCY} cycles in flight) | cycles/s | bare GET/s, same client | bare requests per cycle (wall) | app CPU per cycle (µs) | in bare requests' CPU | Redis CPU per cycle (µs) | load generator CPU per cycle (µs) | app busy |`)
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const row of processRows) {
    lines.push(`| ${row.processes} process${row.processes > 1 ? 'es' : ''} (${row.pinned}) | ${number(row.cyclesPerSecond)} | ${number(row.bareLoopPerSecond)} | ${row.cycleInBareRequests.toFixed(1)} | ` +
      `${row.appCpuUsPerCycle.toFixed(0)} | ${row.cycleCpuInBareRequests.toFixed(1)} | ${row.redisCpuUsPerCycle.toFixed(0)} | ${row.clientCpuUsPerCycle.toFixed(0)} | ${(100 * row.appBusy).toFixed(0)}% |`)
  }
  lines.push('')
  lines.push('| Several processes: `requireStepUp`, warm token, autocannon on every process at once | guard req/s | bare req/s | req/s vs bare | app CPU per request (µs) | CPU per request vs bare |')
  lines.push('|---|---:|---:|---:|---:|---:|')
  for (const row of processRows) {
    lines.push(`| ${row.processes} process${row.processes > 1 ? 'es' : ''} | ${number(row.guardPerSecond)} | ${number(row.bareGuardLoadPerSecond)} | ${ratio(row.guardThroughputRatio)} | ${row.appCpuUsPerGuardRequest.toFixed(1)} | ${ratio(row.guardCpuRatio)} |`)
  }
  if (one && two) {
    lines.push('', `Two processes against one, on this machine: ${ratio(two.cyclesPerSecond / one.cyclesPerSecond)} the cycles per second, ` +
      `${ratio(two.guardPerSecond / one.guardPerSecond)} the guard requests per second (bare servers: ${ratio(two.bareLoopPerSecond / one.bareLoopPerSecond)} and ${ratio(two.bareGuardLoadPerSecond / one.bareGuardLoadPerSecond)}).`)
  }
  lines.push('')
  lines.push('| Estimate, not measured: P processes, each on a core of its own, Redis and the load generator on others (from the one-process CPU figures) | cycles/s | what limits it | guard req/s |')
  lines.push('|---|---:|---|---:|')
  for (const row of processEstimate) {
    lines.push(`| ${row.processes} | ${number(row.cyclesPerSecond)} | ${row.redisBound ? 'one Redis core' : 'the app processes'} | ${number(row.guardPerSecond)} |`)
  }
} else if (processNote && runProcesses) {
  lines.push('', `Several processes: skipped: ${processNote}`)
}
lines.push(...roundTripLines())
lines.push('')
for (const target of targets) lines.push(`- ${target.pass ? 'PASS' : 'MISS'}: ${target.name}: ${target.detail}`)
if (background && background.mean > QUIET) {
  lines.push('', `WARNING: the machine was not quiet (other processes used ${background.mean.toFixed(2)} cores on average): these figures are disturbed; run again when it is idle.`)
}
const markdown = lines.join('\n')

const results = {
  command: 'npm run bench',
  machine,
  code,
  versions,
  settings: {
    rounds: ROUNDS,
    durationSeconds: DURATION,
    warmupSeconds: WARMUP,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    cycleConcurrency: CONCURRENCY,
    coldTokens: COLD_TOKENS,
    cpus: pinning ? { loadGenerator: LOAD_CPU, server: SERVER_CPU } : 'not pinned'
  },
  backgroundLoad: background,
  wallSeconds: Math.round((performance.now() - started) / 1000),
  http: httpRows,
  cycle: { rows: cycleRows, note: cycleNote, bareCpuUsPerRequest: bareCycleUs() },
  memory: memoryResults,
  processes: { rows: processRows, estimate: processEstimate, note: processNote },
  roundTrips: { rows: roundTripRows, note: roundTripNote, cycles: ROUND_TRIP_CYCLES },
  floor: floorUs === undefined ? undefined : { cpuUsPerCheck: floorUs, windows: floorWindows },
  targets,
  markdown
}

if (save) {
  await mkdir(path.dirname(args.out), { recursive: true })
  await writeFile(args.out, JSON.stringify(results, null, 2) + '\n')
  log(`results saved to ${path.relative(process.cwd(), args.out)}`)
}
if (saveProcesses) {
  const out = path.join(here, 'results', 'processes.json')
  const { http, cycle, memory, floor, roundTrips: _roundTrips, targets: _targets, ...rest } = results
  await writeFile(out, JSON.stringify({ ...rest, command: 'npm run bench -- --only processes' }, null, 2) + '\n')
  log(`results saved to ${path.relative(process.cwd(), out)}`)
}
log(`done in ${elapsed()}`)
console.log(`\n${markdown}\n`)

if (profileDir) {
  for (const file of (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile')).sort()) {
    console.log(`${await summarizeProfile(path.join(profileDir, file))}\n`)
  }
  console.log(`profiles kept in ${profileDir} (open them in Chrome DevTools or speedscope)`)
}
