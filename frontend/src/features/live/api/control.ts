import { useMutation, useQueryClient } from '@tanstack/react-query'

import { api, unwrap } from '@/lib/api'
import type { components } from '@/types/api.gen'

export type ControlRequest = components['schemas']['ControlRequest']
export type ControlResponse = components['schemas']['ControlResponse']

/** Start, stop, restart or panic (the backend audits who did it). */
export async function control(body: ControlRequest): Promise<ControlResponse> {
  return unwrap(api.POST('/trading/control', { body }))
}

/** Send a control command and refresh the snapshot. */
export function useControl() {
  const client = useQueryClient()
  return useMutation({ mutationFn: control, onSettled: () => client.invalidateQueries({ queryKey: ['trading'] }) })
}
