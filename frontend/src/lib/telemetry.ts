/**
 * Report the dashboard's own errors to the backend (`POST {VITE_API_BASE_URL}/logs/batch`).
 *
 * Off unless VITE_ENABLE_REMOTE_LOGS is true. Records are sent as JSON with fetch (never
 * sendBeacon's text/plain, which FastAPI rejects), batched, de-duplicated per message within a
 * window, and capped so a render loop cannot flood the backend.
 */
import { resolveBaseUrl } from './api'
import { env } from './env'
import { currentToken } from './session'

export interface ClientLogRecord {
  level: 'error' | 'warning' | 'info'
  event: string
  message: string
  timestamp: string
  page: string
  app_version: string
  data?: Record<string, unknown>
}

const MAX_QUEUE = 100
const FLUSH_MS = 2000
const DEDUP_MS = 10_000

const queue: ClientLogRecord[] = []
const lastSeen = new Map<string, number>()
let timer: ReturnType<typeof setTimeout> | null = null

async function flush(): Promise<void> {
  timer = null
  const records = queue.splice(0, queue.length)
  if (records.length === 0) return
  const token = currentToken()
  try {
    await fetch(`${resolveBaseUrl()}/logs/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ records }),
      keepalive: true,
    })
  } catch {
    // Reporting must never raise: the operator already sees the error on screen.
  }
}

/** Queue one client-side error for the backend log (no-op unless remote logs are enabled). */
export function reportClientError(event: string, message: string, data?: Record<string, unknown>): void {
  if (!env.remoteLogs) return
  const key = `${event}|${message}`
  const now = Date.now()
  if ((lastSeen.get(key) ?? 0) > now - DEDUP_MS) return
  lastSeen.set(key, now)
  if (queue.length >= MAX_QUEUE) return
  queue.push({
    level: 'error',
    event,
    message: message.slice(0, 1000),
    timestamp: new Date(now).toISOString(),
    page: window.location.pathname,
    app_version: env.appVersion,
    ...(data ? { data } : {}),
  })
  timer ??= setTimeout(() => void flush(), FLUSH_MS)
}

/** Catch uncaught errors and rejected promises for reporting. */
export function installGlobalErrorReporting(): void {
  window.addEventListener('error', (e) => reportClientError('ui_uncaught_error', e.message, { source: e.filename }))
  window.addEventListener('unhandledrejection', (e) =>
    reportClientError('ui_unhandled_rejection', String((e.reason as Error)?.message ?? e.reason)),
  )
}
