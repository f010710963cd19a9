// Redis with Sentinel for the tests: a primary, its replicas and three sentinels (`redis-server
// --sentinel`, the same binary), on loopback ports, no persistence, files in a temporary directory,
// every process stopped by its pid at teardown. Sentinels notice a dead primary after
// `downAfterMs` and promote a replica; ioredis, given the sentinels and the name, asks them where
// the primary is each time it connects.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis, type RedisOptions } from 'ioredis'
import type { Test } from 'tap'
import { freePort } from './net.js'
import { spawnRedis, waitUntil, type ServerProcess } from './redis-cluster.js'

export const SENTINEL_NAME = 'step-up'
const HOST = '127.0.0.1'

export interface SentinelSetup {
  /** Where ioredis finds the sentinels. */
  sentinels: Array<{ host: string, port: number }>
  /** The data nodes (primary first, as started), by port. */
  servers: Map<number, ServerProcess>
  /** The primary's port, as the sentinels report it. */
  primary (): Promise<number>
  /** An ioredis client through the sentinels, ready, disconnected at teardown; its errors kept quiet. */
  connect (t: Test, options?: RedisOptions): Promise<Redis>
  /** A plain connection to one data node, closed at teardown. */
  node (port: number): Promise<Redis>
  /**
   * Waits until every sentinel names the same primary, knows the other two sentinels and every other
   * live data node as its replica, and the primary has them all connected and caught up.
   */
  settled (): Promise<void>
}

/** Starts a primary, `replicas` replicas (default 1) and three sentinels. */
export async function startSentinels (t: Test, options: { replicas?: number, downAfterMs?: number } = {}): Promise<SentinelSetup> {
  const { replicas = 1, downAfterMs = 1000 } = options
  const dir = await mkdtemp(join(tmpdir(), 'step-up-sentinel-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const common = (port: number) => ['--port', String(port), '--bind', HOST, '--dir', dir, '--daemonize', 'no', '--save', '', '--appendonly', 'no']

  const servers = new Map<number, ServerProcess>()
  const primaryPort = await freePort()
  // A replica syncs at once instead of after the default 5 s wait for more replicas.
  servers.set(primaryPort, await spawnRedis(t, primaryPort, [...common(primaryPort), '--repl-diskless-sync-delay', '0']))
  for (let i = 0; i < replicas; i++) {
    const port = await freePort()
    servers.set(port, await spawnRedis(t, port, [...common(port), '--repl-diskless-sync-delay', '0', '--replicaof', HOST, String(primaryPort)]))
  }

  const sentinels: Array<{ host: string, port: number }> = []
  for (let i = 0; i < 3; i++) {
    const port = await freePort()
    // Sentinel rewrites its configuration file: one each.
    const config = join(dir, `sentinel-${port}.conf`)
    await writeFile(config, [
      `port ${port}`,
      `bind ${HOST}`,
      `dir ${dir}`,
      `sentinel monitor ${SENTINEL_NAME} ${HOST} ${primaryPort} 2`,
      `sentinel down-after-milliseconds ${SENTINEL_NAME} ${downAfterMs}`,
      `sentinel failover-timeout ${SENTINEL_NAME} ${downAfterMs * 3}`,
      `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
      ''
    ].join('\n'))
    // A sentinel logs no "Ready to accept connections"; it listens by the time it monitors.
    await spawnRedis(t, port, [config, '--sentinel'], '+monitor master')
    sentinels.push({ host: HOST, port })
  }

  const clients = new Map<number, Redis>()
  t.teardown(() => { for (const client of clients.values()) client.disconnect() })
  const plain = async (port: number): Promise<Redis> => {
    const known = clients.get(port)
    if (known && known.status === 'ready') return known
    const client = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    client.on('error', () => {})
    clients.set(port, client)
    await client.connect()
    return client
  }
  const sentinelClients = await Promise.all(sentinels.map(({ port }) => plain(port)))
  const live = (port: number) => servers.get(port)?.running === true && !servers.get(port)!.paused

  const primary = async () => {
    const [, port] = await sentinelClients[0]!.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME) as [string, string]
    return Number(port)
  }

  const setup: SentinelSetup = {
    sentinels,
    servers,
    primary,
    node: plain,
    async connect (t, clientOptions = {}) {
      const client = new Redis({ sentinels, name: SENTINEL_NAME, lazyConnect: true, ...clientOptions })
      client.on('error', () => {})
      t.teardown(() => client.disconnect())
      await client.connect()
      return client
    },
    async settled () {
      const count = [...servers.keys()].filter(live).length - 1
      // The primary is asked again on every poll: right after a fail-over the first sentinel can
      // still name the old one, and a wait pinned to that answer could never end.
      await waitUntil(`the sentinels to agree on one live primary with ${count} replicas`, async () => {
        const want = await primary()
        for (const sentinel of sentinelClients) {
          const fields = await sentinel.call('SENTINEL', 'MASTER', SENTINEL_NAME) as string[]
          const master = Object.fromEntries(Array.from({ length: fields.length / 2 }, (_, i) => [fields[2 * i], fields[2 * i + 1]]))
          if (Number(master.port) !== want || master.flags !== 'master' || master['num-other-sentinels'] !== '2') return false
          const known = await sentinel.call('SENTINEL', 'REPLICAS', SENTINEL_NAME) as string[][]
          if (known.filter((fields) => live(Number(fields[fields.indexOf('port') + 1]))).length !== count) return false
        }
        if (!live(want)) return false
        const info = await (await plain(want)).info('replication')
        if (!info.includes('role:master') || !info.includes(`connected_slaves:${count}`)) return false
        const offsets = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((match) => match[1])
        return offsets.every((offset) => info.includes(`master_repl_offset:${offset}`))
      })
    }
  }
  await setup.settled()
  return setup
}
