// fetch, with step-up: a 401 step-up challenge becomes a prompt (the app's: a dialog, a redirect,
// a CLI question), and the request is sent again once, with the token the prompt got.
import { readStepUpChallenge, type StepUpChallenge } from './challenge.js'
import type { FetchLike } from './types.js'

/** The request that was refused and the refusal, for a prompt that wants to say what needs the step-up. */
export interface StepUpPromptContext {
  /** The original request (its body already sent: read only its url, method and headers). */
  request: Request
  /** The 401; its body is still unread. */
  response: Response
}

/**
 * Runs a step-up and resolves with the token. Resolve with null or undefined to give up: the
 * caller then gets the 401 as it came. What it throws reaches the caller instead.
 */
export type StepUpPrompt = (challenge: StepUpChallenge, context: StepUpPromptContext) => Promise<string | null | undefined> | string | null | undefined

export interface StepUpFetchOptions {
  prompt: StepUpPrompt
  /** The fetch to wrap. Default: the global `fetch`. */
  fetch?: FetchLike
  /** The header the token goes in (the plugin's `tokenHeader`). Default `'x-step-up-token'`. */
  header?: string
}

export type StepUpFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/**
 * A fetch that answers a step-up challenge: on a 401 whose WWW-Authenticate is a Bearer challenge
 * with `error="insufficient_user_authentication"`, it calls `prompt`, then sends the request again,
 * once, with the token in the step-up header. Any other reply, a second 401 included, is returned
 * as it is. The token goes only to the request that asked for it.
 */
export function createStepUpFetch (options: StepUpFetchOptions): StepUpFetch {
  const { prompt } = options
  const header = options.header ?? 'x-step-up-token'
  const fetcher = options.fetch ?? ((input, init) => fetch(input, init))

  return async function stepUpFetch (input, init) {
    const request = new Request(input, init)
    // Cloned before the first attempt sends the body, so the retry can send it again.
    const retry = request.clone()
    const response = await fetcher(request)
    const challenge = await readStepUpChallenge(response)
    if (!challenge) return response
    const token = await prompt(challenge, { request, response })
    if (!token) return response
    // The 401 is done with: let its connection go instead of leaving the body unread. (If the
    // prompt read the body, its stream is locked and cannot be cancelled, and needs not be.)
    await response.body?.cancel().catch(() => {})
    retry.headers.set(header, token)
    return fetcher(retry)
  }
}
