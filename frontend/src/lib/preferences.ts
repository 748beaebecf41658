/** Per-browser display preferences: theme and the time zone shown next to UTC. */
import { env } from './env'

export type ThemeName = 'light' | 'dark'

const THEME_KEY = 'ds.theme'
const ZONE_KEY = 'ds.timeZone'

/** Return the remembered theme, else the system preference. */
export function loadTheme(): ThemeName {
  const saved = localStorage.getItem(THEME_KEY)
  if (saved === 'light' || saved === 'dark') return saved
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

/** Remember the theme for the next visit. */
export function saveTheme(theme: ThemeName): void {
  localStorage.setItem(THEME_KEY, theme)
}

/** Tell whether the browser knows this IANA zone. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Return the remembered display zone, else the configured default (Asia/Kolkata). */
export function loadTimeZone(): string {
  const saved = localStorage.getItem(ZONE_KEY)
  return saved && isValidTimeZone(saved) ? saved : env.defaultTimeZone
}

/** Remember the display zone. */
export function saveTimeZone(zone: string): void {
  localStorage.setItem(ZONE_KEY, zone)
}
