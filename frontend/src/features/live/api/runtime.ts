import { queryOptions, replaceEqualDeep, useQuery } from '@tanstack/react-query'

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

/**
 * Keep the newer of two snapshots (by `generated_at`): a poll answered after the stream delivered
 * a later snapshot must not take the page back in time. Applies to fetches and to setQueryData.
 */
export function newerSnapshot(current: unknown, incoming: unknown): unknown {
  const was = current as Runtime | undefined
  const next = incoming as Runtime | undefined
  if (was?.generated_at && next?.generated_at && Date.parse(next.generated_at) < Date.parse(was.generated_at)) return was
  return replaceEqualDeep(current, incoming)
}

/** Poll the snapshot; the stream pushes newer ones into the same cache entry. */
export const runtimeQuery = (pollMs: number | false) =>
  queryOptions({ queryKey: runtimeKey, queryFn: fetchRuntime, refetchInterval: pollMs, structuralSharing: newerSnapshot })

/** Read the live snapshot, polling every `pollMs` (false: no polling). */
export function useRuntime(pollMs: number | false) {
  return useQuery(runtimeQuery(pollMs))
}
