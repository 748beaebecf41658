/** The Log Viewer's filters, kept in the URL so a link (e.g. from History) opens a filtered view. */

export const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const
export const ID_FIELDS = ['correlation_id', 'session_id', 'strategy_id', 'order_id', 'client_order_id', 'request_id'] as const
const TEXT_FIELDS = ['level', 'event', 'logger', 'search', 'start', 'end', ...ID_FIELDS] as const

export type LogFilters = Partial<Record<(typeof TEXT_FIELDS)[number], string>>

/** Read the filters from URL search params (unknown keys are ignored). */
export function filtersFromParams(params: URLSearchParams): LogFilters {
  const filters: LogFilters = {}
  for (const key of TEXT_FIELDS) {
    const value = params.get(key)
    if (value) filters[key] = value
  }
  return filters
}

/** Write the filters as URL search params (empty values dropped). */
export function filtersToParams(filters: LogFilters): URLSearchParams {
  const params = new URLSearchParams()
  for (const key of TEXT_FIELDS) {
    const value = filters[key]?.trim()
    if (value) params.set(key, value)
  }
  return params
}
