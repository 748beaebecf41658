/** Build-time settings (Vite inlines VITE_* values when the bundle is built). */

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback
  return ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase())
}

/** Trim a trailing slash so paths join cleanly ("/api" + "/auth/me"). */
function base(value: string | undefined): string {
  const raw = value && value.trim() !== '' ? value.trim() : '/api'
  return raw.endsWith('/') ? raw.slice(0, -1) : raw
}

export const env = {
  apiBaseUrl: base(import.meta.env.VITE_API_BASE_URL),
  apiDebug: flag(import.meta.env.VITE_ENABLE_API_DEBUG, false),
  remoteLogs: flag(import.meta.env.VITE_ENABLE_REMOTE_LOGS, import.meta.env.PROD),
  defaultTimeZone: import.meta.env.VITE_DEFAULT_TIME_ZONE || 'Asia/Kolkata',
  appVersion: import.meta.env.MODE === 'test' ? 'test' : (import.meta.env.VITE_APP_VERSION ?? '0.1.0'),
} as const
