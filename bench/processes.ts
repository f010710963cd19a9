// Several processes of one app sharing one Redis (issue 22): N app processes (bench/app-process.ts,
// each a Fastify app with the plugin on a RedisStore) on the redis-server the run started, and N bare
// Fastify servers (bench/server.ts bare) measured the same way in the same windows, for N = 1 and 2.
//   - Cycles: POST /step-up/email/send, the code from the app's mail transport (over IPC), POST
//     /step-up/email/verify, then the token spent on a single-use route, each of the three requests
//     sent to the next process in turn (send on one, verify on the other, as behind a load
//     balancer), over real HTTP with keep-alive, `concurrency` cycles in flight. The bare servers
//     get the same client and concurrency, one GET per turn.
//   - Guard: autocannon on each process at once, a warm token on the guarded route, against the
//     same on the bare servers.
// Every window samples each process's CPU, redis-server's (from /proc) and the load generator's
// (this process), so CPU per cycle and per request are known apart from what the machine allowed.
// N = 1 is pinned as the rest of the bench (app on one core; Redis and the load generator on the
// other); N = 2 leaves every process free to run on both cores, which they then share.
import type { ChildProcess } from 'node:child_process'
import { Agent } from 'node:http'
import { randomUUID } from 'node:crypto'
import type autocannon from 'autocannon'
import { httpCall } from '../test/helpers/http.js'
import { TICK_US, processTicks } from './load.js'
import { CYCLE_USERS, LOGIN_HEADERS, ROUTE, SINGLE_USE_ROUTE, makeUsers, type FromChild } from './shared.js'

export interface ProcessesContext {
  startChild (file: string, args: string[], name: string, options?: { env?: NodeJS.ProcessEnv }): ChildProcess
  ready (child: ChildProcess): Promise<{ port?: number }>
  /** process.cpuUsage() of a child, asked over IPC. */
  sample (child: ChildProcess): Promise<NodeJS.CpuUsage>
  stopChild (child: ChildProcess): Promise<void>
  /** Pins every thread of `pid` to these CPUs (no-op without taskset or with fewer than two cores). */
  pin (pid: number | undefined, cpus: number[]): void
  /** [load generator's CPU, server's CPU], or empty when the run cannot pin. */
  cpus: number[]
  redis: { url: string, pid: number }
  cannon (options: autocannon.Options): Promise<autocannon.Result>
  /** Starts measuring other processes' CPU; the function returned gives cores used meanwhile. */
  background (): () => number | undefined
  log (line: string): void
  settings: { rounds: number, duration: number, warmup: number, connections: number, pipelining: number, concurrency: number }
  warmToken: string
}

export interface ProcessesRow {
  processes: number
  pinned: string
  cyclesPerSecond: number
  /** Bare GETs per second through the same client and concurrency as the cycles. */
  bareLoopPerSecond: number
  /** How many bare requests one cycle's wall time would have served. */
  cycleInBareRequests: number
  /** CPU per cycle of all app processes together, of redis-server, of the load generator. */
  appCpuUsPerCycle: number
  redisCpuUsPerCycle: number
  clientCpuUsPerCycle: number
  /** App CPU per cycle over a bare server's CPU per request, both through the same client. */
  cycleCpuInBareRequests: number
  bareLoopCpuUsPerRequest: number
  /** App processes' CPU over wall time and process count, while cycling. */
  appBusy: number
  guardPerSecond: number
  bareGuardLoadPerSecond: number
  guardThroughputRatio: number
  appCpuUsPerGuardRequest: number
  bareCpuUsPerRequest: number
  guardCpuRatio: number
  cycles: number
  background: number | undefined
}

export interface ProcessesEstimate {
  processes: number
  cyclesPerSecond: number
  /** Whether one Redis (one core) is the limit there rather than the app processes. */
  redisBound: boolean
  guardPerSecond: number
}

interface Proc { child: ChildProcess, port: number, agent: Agent }
interface Window { count: number, seconds: number, appCpuUs: number, redisCpuUs: number, clientCpuUs: number, background: number | undefined }

const cpuUs = (usage: NodeJS.CpuUsage): number => usage.user + usage.system
const cpuDelta = (before: NodeJS.CpuUsage, after: NodeJS.CpuUsage): number => cpuUs(after) - cpuUs(before)

/** One HTTP request over the process's keep-alive agent; resolves with the status and the body. */
async function call (to: Proc, method: 'GET' | 'POST', path: string, headers: Record<string, string>, payload?: unknown): Promise<{ status: number, body: string }> {
  const reply = await httpCall(to.port, to.agent, method, path, headers, payload)
  return { status: reply.status, body: reply.body.toString('utf8') }
}

/** The codes the app processes hand over, by address, for whichever request waits for one. */
class Inbox {
  readonly #codes = new Map<string, string>()
  readonly #waiting = new Map<string, (code: string) => void>()

  deliver (to: string, code: string): void {
    const waiter = this.#waiting.get(to)
    this.#waiting.delete(to)
    if (waiter) waiter(code)
    else this.#codes.set(to, code)
  }

  /** The code sent to `address`: the IPC message can come before or after the 202. */
  take (address: string): Promise<string> {
    const code = this.#codes.get(address)
    this.#codes.delete(address)
    return code !== undefined ? Promise.resolve(code) : new Promise((resolve) => this.#waiting.set(address, resolve))
  }
}

const users = makeUsers(CYCLE_USERS)
let nextUser = 0

/** Whole cycles, `concurrency` in flight, for `ms`; each of a cycle's requests goes to the next process. */
async function runCycles (apps: Proc[], inbox: Inbox, ms: number, concurrency: number): Promise<number> {
  let cycles = 0
  const deadline = performance.now() + ms
  async function loop (): Promise<void> {
    while (performance.now() < deadline) {
      const turn = nextUser++
      const user = users[turn % CYCLE_USERS]!
      const headers = { 'x-user': user.id, 'x-session': user.sessionId }
      const email = user.emails![0]!
      const sent = await call(apps[turn % apps.length]!, 'POST', '/step-up/email/send', headers, { email })
      if (sent.status !== 202) throw new Error(`send: ${sent.status} ${sent.body}`)
      const { challengeId } = JSON.parse(sent.body) as { challengeId: string }
      const code = await inbox.take(email)
      const verified = await call(apps[(turn + 1) % apps.length]!, 'POST', '/step-up/email/verify', headers, { challengeId, code })
      if (verified.status !== 200) throw new Error(`verify: ${verified.status} ${verified.body}`)
      const { token } = JSON.parse(verified.body) as { token: string }
      const guarded = await call(apps[(turn + 2) % apps.length]!, 'GET', SINGLE_USE_ROUTE, { ...headers, 'x-step-up-token': token })
      if (guarded.status !== 200) throw new Error(`single-use route: ${guarded.status} ${guarded.body}`)
      cycles++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  return cycles
}

/** Bare GETs through the same client and concurrency as the cycles. */
async function runBareLoop (bares: Proc[], ms: number, concurrency: number): Promise<number> {
  let requests = 0
  let turn = 0
  const deadline = performance.now() + ms
  async function loop (): Promise<void> {
    while (performance.now() < deadline) {
      const reply = await call(bares[turn++ % bares.length]!, 'GET', ROUTE, LOGIN_HEADERS)
      if (reply.status !== 200) throw new Error(`bare: ${reply.status} ${reply.body}`)
      requests++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  return requests
}

export async function measureProcesses (ctx: ProcessesContext): Promise<{ rows: ProcessesRow[], estimate: ProcessesEstimate[] }> {
  const { rounds, duration, warmup, connections, pipelining, concurrency } = ctx.settings
  const rows: ProcessesRow[] = []
  const [loadCpu, serverCpu] = ctx.cpus

  async function cannonAll (procs: Proc[], seconds: number, headers: Record<string, string>): Promise<number> {
    const results = await Promise.all(procs.map((proc) => ctx.cannon({
      url: `http://127.0.0.1:${proc.port}${ROUTE}`, connections, pipelining, duration: seconds, timeout: 10, headers
    })))
    for (const result of results) {
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx responses and ${result.errors} errors`)
    }
    return results.reduce((sum, result) => sum + result['2xx'], 0)
  }

  async function measure (procs: Proc[], work: () => Promise<number>): Promise<Window> {
    const before = await Promise.all(procs.map((proc) => ctx.sample(proc.child)))
    const redisBefore = processTicks(ctx.redis.pid)
    const client = process.cpuUsage()
    const load = ctx.background()
    const start = performance.now()
    const count = await work()
    const seconds = (performance.now() - start) / 1000
    const background = load()
    const clientCpuUs = cpuUs(process.cpuUsage(client))
    const after = await Promise.all(procs.map((proc) => ctx.sample(proc.child)))
    return {
      count,
      seconds,
      appCpuUs: before.reduce((sum, usage, i) => sum + cpuDelta(usage, after[i]!), 0),
      redisCpuUs: (processTicks(ctx.redis.pid) - redisBefore) * TICK_US,
      clientCpuUs,
      background
    }
  }

  for (const n of [1, 2]) {
    const inbox = new Inbox()
    const prefix = `step-up-bench:${randomUUID()}:`
    const start = async (file: string, args: string[], name: string, env: NodeJS.ProcessEnv = {}): Promise<Proc> => {
      const child = ctx.startChild(file, args, name, { env })
      child.on('message', (message: FromChild) => { if (message.type === 'code') inbox.deliver(message.to, message.code) })
      const { port } = await ctx.ready(child)
      return { child, port: port!, agent: new Agent({ keepAlive: true, maxSockets: concurrency }) }
    }
    const apps = await Promise.all(Array.from({ length: n }, (_, i) =>
      start('app-process.ts', [], `app-${n}-${i}`, { BENCH_REDIS_URL: ctx.redis.url, BENCH_REDIS_PREFIX: prefix })))
    const bares = await Promise.all(Array.from({ length: n }, (_, i) => start('server.ts', ['bare'], `bare-${n}-${i}`)))
    // One process: on the server's core, as in the rest of the bench. Two: every process of the run
    // on both cores, so the two apps, Redis and the load generator share them as the OS sees fit.
    const both = ctx.cpus
    const pinned = n === 1 ? 'app on one core, Redis and the load generator on the other' : 'not pinned: all processes share the cores'
    for (const proc of [...apps, ...bares]) ctx.pin(proc.child.pid, n === 1 && serverCpu !== undefined ? [serverCpu] : both)
    if (n > 1) {
      ctx.pin(process.pid, both)
      ctx.pin(ctx.redis.pid, both)
    }
    const guardHeaders = { ...LOGIN_HEADERS, 'x-step-up-token': ctx.warmToken }
    try {
      ctx.log(`processes: ${n} app process${n > 1 ? 'es' : ''} on one Redis (${pinned}); warming up`)
      await runCycles(apps, inbox, warmup * 1000, concurrency)
      await runBareLoop(bares, warmup * 1000, concurrency)
      await cannonAll(apps, warmup, guardHeaders)
      await cannonAll(bares, warmup, LOGIN_HEADERS)
      const windows = { cycles: [] as Window[], bareLoop: [] as Window[], guard: [] as Window[], bare: [] as Window[] }
      for (let round = 1; round <= rounds; round++) {
        const cycles = await measure(apps, () => runCycles(apps, inbox, duration * 1000, concurrency))
        const bareLoop = await measure(bares, () => runBareLoop(bares, duration * 1000, concurrency))
        const guard = await measure(apps, () => cannonAll(apps, duration, guardHeaders))
        const bare = await measure(bares, () => cannonAll(bares, duration, LOGIN_HEADERS))
        windows.cycles.push(cycles)
        windows.bareLoop.push(bareLoop)
        windows.guard.push(guard)
        windows.bare.push(bare)
        ctx.log(`round ${round} ${n} process${n > 1 ? 'es' : ''}: ${Math.round(cycles.count / cycles.seconds)} cycles/s ` +
          `(${(cycles.appCpuUs / cycles.count).toFixed(0)} µs app, ${(cycles.redisCpuUs / cycles.count).toFixed(0)} µs Redis CPU per cycle), ` +
          `bare ${Math.round(bareLoop.count / bareLoop.seconds)} req/s the same way; guard ${Math.round(guard.count / guard.seconds)} req/s, ` +
          `bare ${Math.round(bare.count / bare.seconds)} req/s`)
      }
      const total = (list: Window[]) => ({
        count: list.reduce((s, w) => s + w.count, 0),
        seconds: list.reduce((s, w) => s + w.seconds, 0),
        appCpuUs: list.reduce((s, w) => s + w.appCpuUs, 0),
        redisCpuUs: list.reduce((s, w) => s + w.redisCpuUs, 0),
        clientCpuUs: list.reduce((s, w) => s + w.clientCpuUs, 0),
        background: list.every((w) => w.background !== undefined) ? list.reduce((s, w) => s + w.background!, 0) / list.length : undefined
      })
      const cycles = total(windows.cycles)
      const bareLoop = total(windows.bareLoop)
      const guard = total(windows.guard)
      const bare = total(windows.bare)
      const cyclesPerSecond = cycles.count / cycles.seconds
      const bareLoopPerSecond = bareLoop.count / bareLoop.seconds
      const guardPerSecond = guard.count / guard.seconds
      const bareGuardLoadPerSecond = bare.count / bare.seconds
      const bareLoopCpuUsPerRequest = bareLoop.appCpuUs / bareLoop.count
      const appCpuUsPerGuardRequest = guard.appCpuUs / guard.count
      const bareCpuUsPerRequest = bare.appCpuUs / bare.count
      const backgrounds = [cycles, bareLoop, guard, bare].map((w) => w.background)
      rows.push({
        processes: n,
        pinned,
        cyclesPerSecond,
        bareLoopPerSecond,
        cycleInBareRequests: bareLoopPerSecond / cyclesPerSecond,
        appCpuUsPerCycle: cycles.appCpuUs / cycles.count,
        redisCpuUsPerCycle: cycles.redisCpuUs / cycles.count,
        clientCpuUsPerCycle: cycles.clientCpuUs / cycles.count,
        cycleCpuInBareRequests: cycles.appCpuUs / cycles.count / bareLoopCpuUsPerRequest,
        bareLoopCpuUsPerRequest,
        appBusy: cycles.appCpuUs / 1e6 / cycles.seconds / n,
        guardPerSecond,
        bareGuardLoadPerSecond,
        guardThroughputRatio: guardPerSecond / bareGuardLoadPerSecond,
        appCpuUsPerGuardRequest,
        bareCpuUsPerRequest,
        guardCpuRatio: appCpuUsPerGuardRequest / bareCpuUsPerRequest,
        cycles: cycles.count,
        background: backgrounds.every((b) => b !== undefined) ? backgrounds.reduce((s, b) => s + b!, 0) / backgrounds.length : undefined
      })
    } finally {
      await Promise.all([...apps, ...bares].map((proc) => ctx.stopChild(proc.child)))
      for (const proc of [...apps, ...bares]) proc.agent.destroy()
      if (n > 1 && loadCpu !== undefined) {
        ctx.pin(process.pid, [loadCpu])
        ctx.pin(ctx.redis.pid, [loadCpu])
      }
    }
  }
  return { rows, estimate: estimate(rows[0]!) }
}

/**
 * What P processes would serve, each with a core of its own and Redis and the load generator on
 * cores of their own: the app's CPU per cycle and per guard request from the one-process row (where
 * the app had a core to itself) divide P cores; one Redis serves its commands on one thread, so its
 * CPU per cycle caps the cycles whatever P is. An estimate from per-request CPU, not a measurement.
 */
export function estimate (one: ProcessesRow): ProcessesEstimate[] {
  const redisCap = one.redisCpuUsPerCycle > 0 ? 1e6 / one.redisCpuUsPerCycle : Number.POSITIVE_INFINITY
  return [1, 2, 4, 8, 16].map((processes) => {
    const appBound = processes * 1e6 / one.appCpuUsPerCycle
    return {
      processes,
      cyclesPerSecond: Math.min(appBound, redisCap),
      redisBound: redisCap < appBound,
      guardPerSecond: processes * 1e6 / one.appCpuUsPerGuardRequest
    }
  })
}
