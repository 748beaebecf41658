/**
 * The typed API client, generated from the backend's OpenAPI schema (src/types/api.gen.ts).
 *
 * Paths are written without the "/api" prefix because VITE_API_BASE_URL (default "/api") already
 * carries it, exactly as the seed deployment guide sets it ("https://<domain>/api").
 */
import createClient, { type Middleware } from 'openapi-fetch'

import type { paths } from '@/types/api.gen'

import { apiErrorFrom, ApiError } from './apiError'
import { env } from './env'
import { currentToken, endSession } from './session'

type StripApiPrefix<P> = { [K in keyof P as K extends `/api${infer Rest}` ? Rest : never]: P[K] }
export type ApiPaths = StripApiPrefix<paths>

/** Resolve the configured base against the page, so relative bases work in browsers and tests. */
export function resolveBaseUrl(base: string = env.apiBaseUrl): string {
  if (/^https?:\/\//.test(base)) return base
  return `${window.location.origin}${base.startsWith('/') ? '' : '/'}${base}`
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = currentToken()
    if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`)
    return request
  },
  onResponse({ request, response }) {
    // A 401 on a call that carried a token means the token expired or was revoked (e.g. a password
    // change elsewhere); a 401 without one is just a wrong login and must not look like an expiry.
    if (response.status === 401 && request.headers.has('Authorization')) endSession('expired')
    if (env.apiDebug) console.debug(`[api] ${request.method} ${request.url} -> ${response.status}`)
    return response
  },
}

export const api = createClient<ApiPaths>({
  baseUrl: resolveBaseUrl(),
  // Look fetch up per call so tests can install their fake after this module loads.
  fetch: (request: Request) => globalThis.fetch(request),
})
api.use(auth)

interface Outcome<T> {
  data?: T
  error?: unknown
  response: Response
}

/** Return the data of a finished call or throw an ApiError carrying the server's detail. */
export async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>
  try {
    outcome = await call
  } catch (cause) {
    if (cause instanceof ApiError) throw cause
    throw new ApiError(0, undefined)
  }
  if (!outcome.response.ok) throw apiErrorFrom(outcome.response.status, outcome.error)
  return outcome.data as T
}

/** Fetch a file (CSV export) with the bearer token and hand it to the browser as a download. */
export async function downloadFile(path: string, query: Record<string, string>, fallbackName: string): Promise<string> {
  const url = new URL(`${resolveBaseUrl()}${path}`)
  for (const [key, value] of Object.entries(query)) if (value !== '') url.searchParams.set(key, value)
  const token = currentToken()
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  if (response.status === 401 && token) endSession('expired')
  if (!response.ok) {
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // plain-text error bodies are shown as they are
    }
    throw apiErrorFrom(response.status, body)
  }
  const name = filenameFrom(response.headers.get('Content-Disposition')) ?? fallbackName
  const blob = await response.blob()
  const href = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = href
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
  return name
}

/** Read the file name out of a Content-Disposition header (quoted or not). */
export function filenameFrom(header: string | null): string | null {
  if (!header) return null
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header)
  return match?.[1] ? decodeURIComponent(match[1].trim()) : null
}
