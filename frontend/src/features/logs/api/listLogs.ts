import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

import type { LogFilters } from './filters'

export type LogRow = components['schemas']['BackendLogOut']
export type LogPage = components['schemas']['BackendLogPage']

/** Fetch one page of backend logs, newest first; `cursor` continues to older rows. */
export async function listLogs(filters: LogFilters, cursor: string | null, limit: number): Promise<LogPage> {
  return unwrap(api.GET('/logs/backend', { params: { query: { ...filters, cursor, limit } } }))
}

export const logsQuery = (filters: LogFilters, cursor: string | null, limit: number) =>
  queryOptions({
    queryKey: ['logs', 'backend', filters, cursor, limit],
    queryFn: () => listLogs(filters, cursor, limit),
    placeholderData: keepPreviousData,
  })

/** Read one page of logs. */
export function useLogs(filters: LogFilters, cursor: string | null, limit: number) {
  return useQuery(logsQuery(filters, cursor, limit))
}
