import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components, operations } from '@/types/api.gen'

export type SessionSummary = components['schemas']['SessionSummary']
export type SessionPage = components['schemas']['SessionPage']
type SessionQuery = NonNullable<operations['list_sessions_api_trading_sessions_get']['parameters']['query']>

/** The History filters as the server takes them: profile id, mode, and UTC days `start`..`end` (both included). */
export type SessionFilters = Partial<Pick<SessionQuery, 'strategy_id' | 'mode' | 'start' | 'end'>>

/** Fetch one page of sessions, newest first, narrowed by the filters. */
export async function listSessions(page: number, pageSize: number, filters: SessionFilters = {}): Promise<SessionPage> {
  return unwrap(api.GET('/trading/sessions', { params: { query: { page, page_size: pageSize, ...filters } } }))
}

export const sessionsQuery = (page: number, pageSize: number, filters: SessionFilters = {}) =>
  queryOptions({
    queryKey: ['trading', 'sessions', page, pageSize, filters],
    queryFn: () => listSessions(page, pageSize, filters),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  })

/** Read a page of sessions, refreshed every 10 s. */
export function useSessions(page: number, pageSize: number, filters: SessionFilters = {}) {
  return useQuery(sessionsQuery(page, pageSize, filters))
}
