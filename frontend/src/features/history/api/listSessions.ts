import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type SessionSummary = components['schemas']['SessionSummary']
export type SessionPage = components['schemas']['SessionPage']

/** Fetch one page of sessions, newest first. */
export async function listSessions(page: number, pageSize: number): Promise<SessionPage> {
  return unwrap(api.GET('/trading/sessions', { params: { query: { page, page_size: pageSize } } }))
}

export const sessionsQuery = (page: number, pageSize: number) =>
  queryOptions({
    queryKey: ['trading', 'sessions', page, pageSize],
    queryFn: () => listSessions(page, pageSize),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  })

/** Read a page of sessions, refreshed every 10 s. */
export function useSessions(page: number, pageSize: number) {
  return useQuery(sessionsQuery(page, pageSize))
}
