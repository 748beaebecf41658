/**
 * A hand-written fake of the backend for unit tests: routes answer by "METHOD /path" (path
 * without the /api prefix), and every request is recorded for assertions.
 */
import { vi } from 'vitest'

export interface RecordedRequest {
  method: string
  path: string
  search: string
  headers: Headers
  body: string
}

export interface Answer {
  status?: number
  body?: unknown
  headers?: Record<string, string>
}

export type Handler = (request: RecordedRequest) => Answer

export interface FakeApi {
  requests: RecordedRequest[]
  on: (route: string, handler: Handler | Answer) => void
}

/** Replace fetch with the fake backend; unknown routes answer 404. */
export function installFakeApi(routes: Record<string, Handler | Answer> = {}): FakeApi {
  const table = new Map(Object.entries(routes))
  const requests: RecordedRequest[] = []
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init)
    const url = new URL(request.url)
    const recorded: RecordedRequest = {
      method: request.method,
      path: url.pathname.replace(/^\/api/, ''),
      search: url.search,
      headers: request.headers,
      body: await request.text(),
    }
    requests.push(recorded)
    const route = table.get(`${recorded.method} ${recorded.path}`)
    const answer = typeof route === 'function' ? route(recorded) : (route ?? { status: 404, body: { detail: 'not found' } })
    const status = answer.status ?? 200
    const body = status === 204 ? null : JSON.stringify(answer.body ?? {})
    return new Response(body, { status, headers: { 'Content-Type': 'application/json', ...answer.headers } })
  })
  return { requests, on: (route, handler) => void table.set(route, handler) }
}
