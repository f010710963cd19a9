// A real Redis Cluster for the tests: six redis-server processes on loopback (three masters, each
// with one replica), joined by `redis-cli --cluster create`, with no persistence and their files in a
// temporary directory. A test can kill a master by its pid and wait for its replica to take over.
// No mock: the point is what ioredis's Cluster client and RedisStore do against the real thing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster, Redis, type ClusterOptions } from 'ioredis'
import type { Test } from 'tap'
import { freePort } from './net.js'
import { redisSkipReason } from './redis.js'

/** Why the Cluster tests cannot run here, or false when they can. Throws under STEP_UP_REQUIRE_REDIS=1. */
export function clusterSkipReason (): string | false {
  const reason = redisSkipReason(true)
  if (reason) return reason
  if (spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status !== 0) {
    if (process.env.STEP_UP_REQUIRE_REDIS === '1') throw new Error('STEP_UP_REQUIRE_REDIS=1, but redis-cli is not installed')
    return 'redis-cli not installed (it creates the cluster)'
  }
  return false
}

/** Polls `check` until it returns something other than undefined or false; throws after `deadlineMs`. */
export async function waitUntil<T> (what: string, check: () => Promise<T | undefined | false>, deadlineMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + deadlineMs
  let last: unknown
  for (;;) {
    try {
      const result = await check()
      if (result !== undefined && result !== false) return result
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`)
    await sleep(everyMs)
  }
}

/** One redis-server process, started with `args`, that accepts connections on `port` once this resolves. */
export interface ServerProcess {
  port: number
  /** Whether the process still runs. */
  readonly running: boolean
  /** Whether it is stopped by pause(). */
  readonly paused: boolean
  /** SIGKILL by pid (a crash: nothing flushed, no goodbye to the cluster); resolves once it has exited. */
  kill (): Promise<void>
  /** SIGSTOP / SIGCONT by pid: the process stays, but answers nothing while paused. */
  pause (): void
  resume (): void
}

/**
 * Starts `redis-server` with `args` (which set its port to `port`), resolving once it logs `ready`;
 * stopped by its pid when the test ends.
 */
export async function spawnRedis (t: Test, port: number, args: string[], ready = 'Ready to accept connections'): Promise<ServerProcess> {
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let paused = false
  const exited = once(child, 'exit')
  const running = () => child.exitCode === null && child.signalCode === null
  t.teardown(async () => {
    if (!running()) return
    if (paused) process.kill(child.pid!, 'SIGCONT')
    process.kill(child.pid!, 'SIGKILL')
    await exited
  })
  const output: string[] = []
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject)
    exited.then(([code]) => reject(new Error(`redis-server exited (${code}):\n${output.join('\n')}`)), reject)
    // Read to the end (a full pipe would stop the server), keeping the last lines for an error.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (output.push(line) > 100) output.shift()
      if (line.includes(ready)) resolve()
    })
  })
  return {
    port,
    get running () { return running() },
    get paused () { return paused },
    async kill () {
      if (!running()) return
      if (paused) process.kill(child.pid!, 'SIGCONT')
      process.kill(child.pid!, 'SIGKILL')
      await exited
    },
    pause () {
      paused = true
      process.kill(child.pid!, 'SIGSTOP')
    },
    resume () {
      paused = false
      process.kill(child.pid!, 'SIGCONT')
    }
  }
}

/** One node as CLUSTER NODES reports it. */
export interface ClusterNode {
  id: string
  port: number
  role: 'master' | 'replica'
  /** The master a replica follows. */
  masterId: string | undefined
  /** Flagged fail or pfail by the node asked. */
  failing: boolean
  /** Slot ranges a master serves, inclusive. */
  slots: Array<[number, number]>
}

export interface RedisCluster {
  /** Where a client starts: every node of the cluster. */
  startupNodes: Array<{ host: string, port: number }>
  /** The processes, by port. */
  servers: Map<number, ServerProcess>
  /** The topology as the first live node sees it. */
  topology (): Promise<ClusterNode[]>
  /** The master serving `slot`, per `topology()`. */
  ownerOf (slot: number): Promise<ClusterNode>
  /** A plain connection to one node (for CLUSTER, INFO, SCRIPT, DBSIZE), closed at teardown. */
  node (port: number): Promise<Redis>
  /** How many keys matching `pattern` each live master holds, by port (SCAN on each). */
  keysPerMaster (pattern: string): Promise<Map<number, number>>
  /** An ioredis Cluster client, ready, disconnected at teardown. Errors are expected in fail-over tests: kept quiet. */
  connect (t: Test, options?: ClusterOptions): Promise<Cluster>
  /**
   * Waits until every live node reports cluster_state:ok, sees `masters` masters serving all 16384
   * slots, and every live replica's link to its master is up.
   */
  settled (masters?: number): Promise<ClusterNode[]>
  /** Waits until every live replica has all its master wrote (their replication offsets agree). */
  caughtUp (): Promise<void>
}

const HOST = '127.0.0.1'

/** Parses CLUSTER NODES. */
export function parseNodes (text: string): ClusterNode[] {
  return text.trim().split('\n').map((line) => {
    const [id, address, flags, masterId, , , , , ...slots] = line.trim().split(' ')
    const port = Number(address!.split('@')[0]!.split(':')[1])
    const flagList = flags!.split(',')
    return {
      id: id!,
      port,
      role: flagList.includes('master') ? 'master' : 'replica',
      masterId: masterId === '-' ? undefined : masterId,
      failing: flagList.includes('fail') || flagList.includes('fail?'),
      slots: slots.filter((range) => !range.startsWith('[')).map((range) => {
        const [from, to = from] = range.split('-').map(Number)
        return [from!, to!] as [number, number]
      })
    }
  })
}

/**
 * Starts six nodes and joins them into a cluster of three masters with one replica each, on
 * loopback ports from freePort (the bus port too, given with --cluster-port). Every node, client and
 * file goes at teardown. `nodeTimeoutMs` is cluster-node-timeout: a dead master's replica takes
 * over after it and an election of a second or so. `cluster-require-full-coverage no` (by default here) keeps the
 * other masters serving while one's slots are down; `args` go to every node after the defaults.
 */
export async function startRedisCluster (t: Test, options: { nodeTimeoutMs?: number, args?: string[] } = {}): Promise<RedisCluster> {
  const { nodeTimeoutMs = 1000, args = [] } = options
  const dir = await mkdtemp(join(tmpdir(), 'step-up-cluster-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const ports: number[] = []
  while (ports.length < 12) {
    const port = await freePort()
    if (!ports.includes(port)) ports.push(port)
  }
  const servers = new Map<number, ServerProcess>()
  await Promise.all(Array.from({ length: 6 }, async (_, i) => {
    const port = ports[i]!
    const nodeDir = join(dir, String(port))
    await mkdir(nodeDir)
    servers.set(port, await spawnRedis(t, port, [
      '--port', String(port), '--bind', HOST, '--dir', nodeDir, '--daemonize', 'no',
      '--save', '', '--appendonly', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf'),
      '--cluster-port', String(ports[i + 6]), '--cluster-announce-ip', HOST,
      '--cluster-node-timeout', String(nodeTimeoutMs),
      // A replica takes over however long ago it last heard from its master (by default, at most
      // ten node timeouts plus the 10 s replication ping), so a slow machine never refuses the
      // fail-over a test waits for as stale.
      '--cluster-replica-validity-factor', '0',
      '--cluster-require-full-coverage', 'no',
      // A replica syncs at once instead of after the default 5 s wait for more replicas.
      '--repl-diskless-sync-delay', '0',
      ...args
    ]))
  }))

  const clients: Redis[] = []
  t.teardown(() => { for (const client of clients) client.disconnect() })
  const node = async (port: number): Promise<Redis> => {
    const client = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    client.on('error', () => {})
    clients.push(client)
    await client.connect()
    return client
  }
  // Running and answering: a paused node would leave an admin command waiting.
  const live = () => [...servers.values()].filter((server) => server.running && !server.paused).map((server) => server.port)

  const created = spawnSync('redis-cli', [
    '--cluster', 'create', ...ports.slice(0, 6).map((port) => `${HOST}:${port}`), '--cluster-replicas', '1', '--cluster-yes'
  ], { encoding: 'utf8' })
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}\n${created.stderr}`)

  const admin = new Map<number, Redis>()
  const adminOf = async (port: number) => admin.get(port) ?? admin.set(port, await node(port)).get(port)!
  const topology = async () => parseNodes(String(await (await adminOf(live()[0]!)).call('CLUSTER', 'NODES')))

  const cluster: RedisCluster = {
    startupNodes: ports.slice(0, 6).map((port) => ({ host: HOST, port })),
    servers,
    topology,
    async ownerOf (slot) {
      const owner = (await topology()).find((n) => n.role === 'master' && n.slots.some(([from, to]) => slot >= from && slot <= to))
      if (!owner) throw new Error(`no master serves slot ${slot}`)
      return owner
    },
    node,
    async keysPerMaster (pattern) {
      const counts = new Map<number, number>()
      for (const master of (await topology()).filter((n) => n.role === 'master' && live().includes(n.port))) {
        const client = await adminOf(master.port)
        let cursor = '0'
        let count = 0
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
          cursor = next
          count += keys.length
        } while (cursor !== '0')
        counts.set(master.port, count)
      }
      return counts
    },
    async connect (t, clientOptions = {}) {
      const client = new Cluster(cluster.startupNodes, clientOptions)
      client.on('error', () => {})
      client.on('node error', () => {})
      t.teardown(() => client.disconnect())
      await once(client, 'ready')
      return client
    },
    async settled (masters = 3) {
      return waitUntil(`a settled cluster of ${masters} masters`, async () => {
        for (const port of live()) {
          const client = await adminOf(port)
          if (!String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false
          const nodes = parseNodes(String(await client.call('CLUSTER', 'NODES'))).filter((n) => live().includes(n.port))
          const serving = nodes.filter((n) => n.role === 'master')
          const covered = serving.reduce((sum, n) => sum + n.slots.reduce((s, [from, to]) => s + to - from + 1, 0), 0)
          if (serving.length !== masters || covered !== 16384) return false
          const me = nodes.find((n) => n.port === port)
          if (me?.role === 'replica' && !(await client.info('replication')).includes('master_link_status:up')) return false
        }
        return topology()
      })
    },
    async caughtUp () {
      const offset = async (port: number, field: string) => Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(await (await adminOf(port)).info('replication'))?.[1])
      await waitUntil('the replicas to catch up', async () => {
        const nodes = (await topology()).filter((n) => live().includes(n.port))
        for (const master of nodes.filter((n) => n.role === 'master')) {
          const written = await offset(master.port, 'master_repl_offset')
          for (const replica of nodes.filter((n) => n.masterId === master.id)) {
            if (await offset(replica.port, 'slave_repl_offset') !== written) return false
          }
        }
        return true
      })
    }
  }
  await cluster.settled()
  return cluster
}

// CRC16/XMODEM, as Redis Cluster hashes keys (cluster.c keyHashSlot).
const CRC16_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  return crc
})

/** The hash slot of `key`: the CRC16 of its hash tag (the part in the first non-empty `{...}`), or of the whole key. */
export function keySlot (key: string): number {
  let bytes = Buffer.from(key)
  const open = bytes.indexOf('{')
  if (open !== -1) {
    const close = bytes.indexOf('}', open + 1)
    if (close > open + 1) bytes = bytes.subarray(open + 1, close)
  }
  let crc = 0
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff]!
  return crc % 16384
}
