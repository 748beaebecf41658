import { useMutation } from '@tanstack/react-query'

import { downloadFile } from '@/lib/api'

import { analyticsQuery, type AnalyticsFilters } from './history'

/** The seed's file name, analytics-export-YYYYMMDD-HHMMSS.csv (UTC), used if the server sends none. */
export function exportFileName(now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  const d = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`
  const t = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`
  return `analytics-export-${d}-${t}.csv`
}

/** Download the analytics CSV (metadata, metrics and timeline sections) for the filters. */
export async function exportAnalytics(f: AnalyticsFilters): Promise<string> {
  return downloadFile('/analytics/export', { ...analyticsQuery(f), format: 'csv' }, exportFileName(new Date()))
}

/** Export as a mutation, so the button shows a spinner while the file streams. */
export function useExportAnalytics() {
  return useMutation({ mutationFn: exportAnalytics })
}
