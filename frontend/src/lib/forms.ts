import type { FormInstance } from 'antd'

import { ApiError } from './apiError'

/**
 * Put the server's validation errors under the form fields they name.
 *
 * Returns the errors that name no field in the form (shown above the form instead), so nothing
 * the server said is lost.
 */
export function placeServerErrors<T>(form: FormInstance<T>, error: unknown, knownFields?: Set<string>): string[] {
  if (!(error instanceof ApiError)) return error instanceof Error ? [error.message] : []
  if (error.fieldErrors.length === 0) return [error.message]
  // Model-level rules (e.g. "schedule.exit_time must be after schedule.entry_time") arrive on the parent's
  // location but name the field at the start of the message: put them there.
  const fieldErrors = error.fieldErrors.map((e) => {
    const named = /^([a-z_]+(?:\.[a-z_]+)+)\b/.exec(e.message)?.[1]
    return named ? { ...e, path: named.split('.') } : e
  })
  const placed = fieldErrors.filter((e) => e.path.length > 0 && (!knownFields || knownFields.has(String(e.path[0]))))
  const unplaced = fieldErrors.filter((e) => !placed.includes(e))
  form.setFields(placed.map((e) => ({ name: e.path, errors: [e.message] })) as Parameters<FormInstance<T>['setFields']>[0])
  return unplaced.map((e) => (e.path.length ? `${e.path.join('.')}: ${e.message}` : e.message))
}
