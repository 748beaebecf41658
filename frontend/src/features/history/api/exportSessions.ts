import { useMutation } from '@tanstack/react-query'

import { downloadFile } from '@/lib/api'

import type { SessionFilters } from './listSessions'

/** The export's query for History's filters: the same profile, mode and UTC days the list is narrowed by. */
export function exportQuery(filters: SessionFilters): Record<string, string> {
  const query: Record<string, string> = { format: 'csv' }
  if (filters.strategy_id != null) query.strategy_id = String(filters.strategy_id)
  if (filters.mode) query.mode = filters.mode
  if (filters.start) query.start = filters.start
  if (filters.end) query.end = filters.end
  return query
}

/** Download the sessions the filters select as CSV, newest first (the server names the file). */
export async function exportSessions(filters: SessionFilters = {}): Promise<string> {
  return downloadFile('/trading/sessions/export', exportQuery(filters), 'trading-sessions.csv')
}

/** Export sessions as a mutation (spinner while it streams). */
export function useExportSessions() {
  return useMutation({ mutationFn: exportSessions })
}
