// `npm run bench -- --only roundtrips`: store round trips per challenge cycle (send + verify of a
// right code) on a RedisStore, and the cycle's latency, before and after the composite store
// operations, in one run: "before" is the same RedisStore with its composite operations hidden
// (primitivesOf: the plugin then composes them from the primitives, one round trip each, as every
// store did before them), "after" is the store as it is.
//
// Round trips are counted by Redis itself: the EVALSHA and EVAL calls of INFO commandstats, read on
// a connection of its own before and after the cycles. Latency is measured one cycle at a time (no
// concurrency: what one user waits), through the app's routes (app.inject), straight to Redis on
// loopback and through a TCP proxy on loopback that holds each chunk Redis sends back for 1 ms
// before passing it on: a network where each round trip costs 1 ms more than loopback, as between
// two availability zones or a managed Redis a little way off. Requests go through at once, so the
// added time is per round trip, not per command; a reply split over two chunks would be counted
// twice, which replies this small never are.
import { createServer, connect as connectTcp, type AddressInfo, type Server, type Socket } from 'node:net'
import { Redis } from 'ioredis'
import { RedisStore, type StepUpUser } from '../lib/index.js'
import { primitivesOf } from '../lib/stores/composite.js'
import { cycleApp, makeUsers } from './shared.js'

export interface RoundTripRow {
  /** 'before' (composed from the primitives) or 'after' (the composite operations). */
  store: 'before' | 'after'
  /** Added per round trip by the proxy: 0 (straight to Redis) or 1 ms. */
  delayMs: number
  cycles: number
  roundTripsPerCycle: number
  meanMs: number
  p50Ms: number
  p99Ms: number
}

/** A TCP proxy on loopback to `target` that delays each chunk coming back by `delayMs`. */
async function delayingProxy (target: { host: string, port: number }, delayMs: number): Promise<{ port: number, close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connectTcp(target.port, target.host)
    sockets.add(client).add(upstream)
    client.on('data', (chunk) => upstream.write(chunk))
    // Timers of one duration fire in the order they were set: the chunks keep their order.
    upstream.on('data', (chunk) => { setTimeout(() => { if (!client.destroyed) client.write(chunk) }, delayMs) })
    const end = (): void => { client.destroy(); upstream.destroy() }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

async function scriptCalls (redis: Redis): Promise<number> {
  const info = await redis.info('commandstats')
  let total = 0
  for (const match of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) total += Number(match[2])
  return total
}

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
}

/** Runs `cycles` challenge cycles for each store (before, after) and delay (0, 1 ms); one row each. */
export async function measureRoundTrips (options: { redisUrl: string, cycles: number, log: (line: string) => void }): Promise<RoundTripRow[]> {
  const { redisUrl, cycles, log } = options
  const url = new URL(redisUrl)
  const target = { host: url.hostname, port: Number(url.port || 6379) }
  const counter = new Redis(redisUrl)
  const rows: RoundTripRow[] = []
  try {
    for (const delayMs of [0, 1]) {
      const proxy = delayMs === 0 ? undefined : await delayingProxy(target, delayMs)
      const client = proxy ? new Redis({ host: '127.0.0.1', port: proxy.port }) : new Redis(redisUrl)
      try {
        for (const kind of ['before', 'after'] as const) {
          const users = makeUsers(cycles + 10)
          const codes = new Map<string, string>()
          const redisStore = new RedisStore({ client, prefix: `step-up-bench:roundtrips:${Date.now()}:${kind}:${delayMs}:` })
          const fastify = await cycleApp(kind === 'before' ? primitivesOf(redisStore) : redisStore, users, codes)
          const cycle = async (user: StepUpUser): Promise<void> => {
            const headers = { 'x-user': user.id, 'x-session': user.sessionId }
            const email = user.emails![0]!
            const sent = await fastify.inject({ method: 'POST', url: '/step-up/email/send', headers, payload: { email } })
            if (sent.statusCode !== 202) throw new Error(`send: ${sent.statusCode} ${sent.body}`)
            const verified = await fastify.inject({ method: 'POST', url: '/step-up/email/verify', headers, payload: { challengeId: sent.json().challengeId, code: codes.get(email) } })
            if (verified.statusCode !== 200) throw new Error(`verify: ${verified.statusCode} ${verified.body}`)
          }
          // Warm-up: the scripts cached on the server (a first EVALSHA answers NOSCRIPT), the JIT warm.
          for (const user of users.slice(cycles)) await cycle(user)
          const before = await scriptCalls(counter)
          const times: number[] = []
          for (const user of users.slice(0, cycles)) {
            const start = performance.now()
            await cycle(user)
            times.push(performance.now() - start)
          }
          const roundTrips = (await scriptCalls(counter)) - before
          await fastify.close()
          times.sort((a, b) => a - b)
          const row = {
            store: kind,
            delayMs,
            cycles,
            roundTripsPerCycle: roundTrips / cycles,
            meanMs: times.reduce((sum, time) => sum + time, 0) / cycles,
            p50Ms: percentile(times, 0.5),
            p99Ms: percentile(times, 0.99)
          }
          rows.push(row)
          log(`round trips: ${kind.padEnd(6)} +${delayMs} ms/trip: ${row.roundTripsPerCycle.toFixed(2)} per cycle, ` +
            `${row.meanMs.toFixed(2)} ms mean, ${row.p50Ms.toFixed(2)} ms p50, ${row.p99Ms.toFixed(2)} ms p99`)
        }
      } finally {
        client.disconnect()
        await proxy?.close()
      }
    }
  } finally {
    counter.disconnect()
  }
  return rows
}
