import type { FormInstance } from 'antd'

import { ApiError } from './apiError'
import { placeServerErrors } from './forms'

function fakeForm() {
  const set: unknown[] = []
  return { form: { setFields: (fields: unknown[]) => set.push(...fields) } as unknown as FormInstance, set }
}

describe('placeServerErrors', () => {
  it('moves a model-level error to the field its message names', () => {
    const { form, set } = fakeForm()
    const error = new ApiError(422, [
      { loc: ['body', 'schedule'], msg: 'Value error, schedule.exit_time must be after schedule.entry_time (same local day)' },
    ])
    expect(placeServerErrors(form, error, new Set(['schedule']))).toEqual([])
    expect(set).toEqual([
      { name: ['schedule', 'exit_time'], errors: ['schedule.exit_time must be after schedule.entry_time (same local day)'] },
    ])
  })

  it('returns errors about fields the form does not have, so they can be shown above it', () => {
    const { form } = fakeForm()
    const error = new ApiError(422, [{ loc: ['body', 'mystery'], msg: 'Extra inputs are not permitted' }])
    expect(placeServerErrors(form, error, new Set(['name']))).toEqual(['mystery: Extra inputs are not permitted'])
  })

  it('returns a plain error detail as it is', () => {
    const { form } = fakeForm()
    expect(placeServerErrors(form, new ApiError(409, 'a profile named x exists'))).toEqual(['a profile named x exists'])
  })
})
