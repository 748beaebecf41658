import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type LogSummary = components['schemas']['BackendLogSummary']

/** Fetch the last hour's counts, top events, latest problems and the ingestion lag. */
export async function fetchLogSummary(): Promise<LogSummary> {
  return unwrap(api.GET('/logs/backend/summary'))
}

export const logSummaryQuery = () =>
  queryOptions({ queryKey: ['logs', 'summary'], queryFn: fetchLogSummary, refetchInterval: 15_000 })

/** Read the log summary, refreshed every 15 s. */
export function useLogSummary() {
  return useQuery(logSummaryQuery())
}
