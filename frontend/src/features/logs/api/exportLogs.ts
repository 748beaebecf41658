import { useMutation } from '@tanstack/react-query'

import { downloadFile } from '@/lib/api'

import type { LogFilters } from './filters'

/** Download the filtered logs as CSV or NDJSON (the server names the file). */
export async function exportLogs({ filters, format }: { filters: LogFilters; format: 'csv' | 'ndjson' }): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return downloadFile('/logs/backend/export', { ...filters, format }, `backend-logs-export-${stamp}.${format}`)
}

/** Export logs as a mutation (shows a spinner while the file streams). */
export function useExportLogs() {
  return useMutation({ mutationFn: exportLogs })
}
