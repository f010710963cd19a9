// The part of autocannon's API the benchmark uses (autocannon ships no types, and the benchmark adds
// no other dependency for them).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  namespace autocannon {
    interface Request {
      method?: string
      path?: string
      headers?: Record<string, string>
      body?: string | Buffer
      /** Called before each request; returns the request to send. */
      setupRequest?: (request: Request, context: Record<string, unknown>) => Request | undefined
    }

    interface Options {
      url: string
      connections?: number
      /** Seconds. */
      duration?: number
      pipelining?: number
      /** Seconds to wait for a response. */
      timeout?: number
      method?: string
      headers?: Record<string, string>
      requests?: Request[]
    }

    interface Histogram {
      average: number
      stddev: number
      min: number
      max: number
      p50: number
      p99: number
      total: number
    }

    interface Result {
      requests: Histogram & { sent: number }
      latency: Histogram
      /** Seconds. */
      duration: number
      errors: number
      timeouts: number
      non2xx: number
      '2xx': number
      start: Date
      finish: Date
    }

    interface Instance extends EventEmitter {
      stop (): void
      on (event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this
      on (event: string, listener: (...args: any[]) => void): this
    }
  }

  function autocannon (options: autocannon.Options, callback: (err: Error | null, result: autocannon.Result) => void): autocannon.Instance
  export default autocannon
}
