import { queryOptions, useQuery } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type Runtime = components['schemas']['RuntimeSnapshot']
export type LegView = components['schemas']['LegView']
export type LimitView = components['schemas']['LimitView']

/** Fetch the engine's live snapshot (read-only). */
export async function fetchRuntime(): Promise<Runtime> {
  return unwrap(api.GET('/trading/runtime'))
}

export const runtimeKey = ['trading', 'runtime'] as const

/** Poll the snapshot; the stream pushes newer ones into the same cache entry. */
export const runtimeQuery = (pollMs: number | false) =>
  queryOptions({ queryKey: runtimeKey, queryFn: fetchRuntime, refetchInterval: pollMs })

/** Read the live snapshot, polling every `pollMs` (false: no polling). */
export function useRuntime(pollMs: number | false) {
  return useQuery(runtimeQuery(pollMs))
}
