import { apiErrorFrom, fieldErrorsFrom } from './apiError'

describe('fieldErrorsFrom', () => {
  it('maps FastAPI locations to body paths and strips the "Value error" prefix', () => {
    const detail = [
      { loc: ['body', 'trailing', 'steps', 0, 'lock_pct'], msg: 'Value error, lock must be below trigger', type: 'value_error' },
      { loc: ['body', 'name'], msg: 'Field required', type: 'missing' },
    ]
    expect(fieldErrorsFrom(detail)).toEqual([
      { path: ['trailing', 'steps', 0, 'lock_pct'], message: 'lock must be below trigger' },
      { path: ['name'], message: 'Field required' },
    ])
  })

  it('ignores details that are not a validation list', () => {
    expect(fieldErrorsFrom('this action needs the trader role')).toEqual([])
  })
})

describe('apiErrorFrom', () => {
  it('keeps the server detail as the message', () => {
    const error = apiErrorFrom(403, { detail: 'this action needs the trader role' })
    expect(error.message).toBe('this action needs the trader role')
    expect(error.isForbidden).toBe(true)
  })

  it('summarises validation errors by field when there is no plain detail', () => {
    const error = apiErrorFrom(422, { detail: [{ loc: ['body', 'email'], msg: 'not an e-mail' }] })
    expect(error.message).toBe('email: not an e-mail')
  })

  it('describes an empty error body by its status', () => {
    expect(apiErrorFrom(502, undefined).message).toBe('request failed with HTTP 502')
  })
})
