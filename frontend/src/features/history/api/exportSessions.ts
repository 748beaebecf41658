import { useMutation } from '@tanstack/react-query'

import { downloadFile } from '@/lib/api'

/** Download every session as CSV (the server names the file). */
export async function exportSessions(): Promise<string> {
  return downloadFile('/trading/sessions/export', { format: 'csv' }, 'trading-sessions.csv')
}

/** Export sessions as a mutation (spinner while it streams). */
export function useExportSessions() {
  return useMutation({ mutationFn: exportSessions })
}
