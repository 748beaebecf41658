import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type HistoryReport = components['schemas']['HistoryResponse']

export interface AnalyticsFilters {
  preset: '7D' | '30D' | '90D' | 'custom'
  start?: string
  end?: string
  strategy_id?: string
  mode: 'sim' | 'paper' | 'live' | 'all'
}

/** Turn the filters into the query string both the history and the export take. */
export function analyticsQuery(f: AnalyticsFilters): Record<string, string> {
  const q: Record<string, string> = { preset: f.preset, mode: f.mode }
  if (f.preset === 'custom') {
    if (f.start) q.start = f.start
    if (f.end) q.end = f.end
  }
  if (f.strategy_id) q.strategy_id = f.strategy_id
  return q
}

/** Fetch metrics, per-exit-reason stats, charts and the newest timeline rows. */
export async function fetchHistory(f: AnalyticsFilters): Promise<HistoryReport> {
  const custom = f.preset === 'custom'
  const query = {
    preset: f.preset,
    mode: f.mode,
    start: custom ? f.start : undefined,
    end: custom ? f.end : undefined,
    strategy_id: f.strategy_id,
    timeline_limit: 0, // the page shows charts and metrics; the timeline is in the CSV export
  }
  return unwrap(api.GET('/analytics/history', { params: { query } }))
}

export const historyQuery = (f: AnalyticsFilters, autoRefresh: boolean) =>
  queryOptions({
    queryKey: ['analytics', 'history', f],
    queryFn: () => fetchHistory(f),
    placeholderData: keepPreviousData,
    refetchInterval: autoRefresh ? 10_000 : false,
  })

/** Read the analytics report for the filters. */
export function useHistory(f: AnalyticsFilters, autoRefresh: boolean) {
  return useQuery(historyQuery(f, autoRefresh))
}
