// Real Redis for the tests: the server at REDIS_URL (.ci/run starts one), else a redis-server of
// this test file's own, else none, and the Redis tests skip, unless STEP_UP_REQUIRE_REDIS=1 says
// they must run. No mock: the point is the real server's atomicity and failures.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Redis, type RedisOptions } from 'ioredis'
import type { Test } from 'tap'
import { freePort } from './net.js'

export function redisServerInstalled (): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
}

/** Why the Redis tests cannot run here, or false when they can. Throws when they are required. */
export function redisSkipReason (needOwnServer = false): string | false {
  let reason: string | false = false
  if (needOwnServer) {
    if (!redisServerInstalled()) reason = 'redis-server not installed (this test needs a server of its own to stop or reconfigure)'
  } else if (!process.env.REDIS_URL && !redisServerInstalled()) {
    reason = 'redis-server not installed and REDIS_URL not set'
  }
  if (reason && process.env.STEP_UP_REQUIRE_REDIS === '1') {
    throw new Error(`STEP_UP_REQUIRE_REDIS=1, but ${reason}`)
  }
  return reason
}

export { freePort }

/** A redis-server child process on one port, that a test can stop and start again there. */
export interface RedisServer {
  url: string
  port: number
  /** Starts the server (again) on the same port; resolves once it accepts connections. */
  start (): Promise<void>
  /** Stops the server by its pid; resolves once it has exited. */
  stop (): Promise<void>
}

/** Starts redis-server on a free port, with no persistence and its files in a temporary directory. */
export async function startRedisServer (t: Test, args: string[] = []): Promise<RedisServer> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'step-up-redis-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  let child: ChildProcess | undefined
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start () {
      const started = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
        '--dir', dir, ...args
      ], { stdio: ['ignore', 'pipe', 'inherit'] })
      child = started
      const output: string[] = []
      await new Promise<void>((resolve, reject) => {
        started.once('error', reject)
        started.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output.join('\n')}`)))
        createInterface({ input: started.stdout! }).on('line', (line) => {
          output.push(line)
          if (line.includes('Ready to accept connections')) resolve()
        })
      })
    },
    async stop () {
      const running = child
      child = undefined
      if (!running || running.exitCode !== null || running.signalCode !== null) return
      const exited = once(running, 'exit')
      process.kill(running.pid!, 'SIGTERM')
      await exited
    }
  }
  t.teardown(() => server.stop())
  await server.start()
  return server
}

/** The URL of a Redis for this test file: REDIS_URL, or a redis-server started for it. */
export async function sharedRedisUrl (t: Test): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL
  return (await startRedisServer(t)).url
}

/** An ioredis client, connected, closed at teardown. Errors are expected in outage tests: kept quiet. */
export async function connect (t: Test, url: string, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, ...options })
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  await client.connect()
  return client
}

/** A key prefix no other test uses, so tests can share one Redis. */
export function uniquePrefix (): string {
  return `step-up-test:${randomUUID()}:`
}
