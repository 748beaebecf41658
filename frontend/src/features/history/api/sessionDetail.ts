import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type SessionDetail = components['schemas']['SessionDetail']

/** Fetch one session with its legs, orders, fills, events and config snapshot. */
export async function fetchSessionDetail(id: number): Promise<SessionDetail> {
  return unwrap(api.GET('/trading/sessions/{session_id}', { params: { path: { session_id: id } } }))
}

export const sessionDetailQuery = (id: number) =>
  queryOptions({ queryKey: ['trading', 'sessions', 'detail', id], queryFn: () => fetchSessionDetail(id) })

/** Read one session (only when `id` is set). */
export function useSessionDetail(id: number | null) {
  return useQuery({ ...sessionDetailQuery(id ?? 0), enabled: id !== null })
}
