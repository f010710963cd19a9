// One HTTP request over a keep-alive agent, for the tests and benches that talk to app processes:
// cheaper than fetch per call, and a load balancer's view (a pool of connections per process).
import { request, type Agent, type IncomingHttpHeaders } from 'node:http'

export interface RawReply {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

/** Sends `payload` as JSON (when given) to 127.0.0.1:`port` and resolves with the whole reply. */
export function httpCall (port: number, agent: Agent, method: 'GET' | 'POST', path: string, headers: Record<string, string>, payload?: unknown): Promise<RawReply> {
  const body = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload))
  return new Promise((resolve, reject) => {
    const sent = request({
      host: '127.0.0.1',
      port,
      method,
      path,
      agent,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(body.length) }
    }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', reject)
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }))
    })
    sent.on('error', reject)
    sent.end(body)
  })
}
