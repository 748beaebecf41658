/** One error type for every failed API call, with the server's words kept intact. */

export interface FieldError {
  /** Path inside the request body, e.g. ["trailing", "steps", 0, "lock_pct"]. */
  path: (string | number)[]
  message: string
}

interface ValidationItem {
  loc?: unknown
  msg?: unknown
}

/** Turn FastAPI's 422 `detail` list into field errors, dropping the leading "body" segment. */
export function fieldErrorsFrom(detail: unknown): FieldError[] {
  if (!Array.isArray(detail)) return []
  return detail.flatMap((item: ValidationItem) => {
    if (!Array.isArray(item.loc) || typeof item.msg !== 'string') return []
    const loc = item.loc.filter((part): part is string | number => typeof part === 'string' || typeof part === 'number')
    const path = loc[0] === 'body' || loc[0] === 'query' || loc[0] === 'path' ? loc.slice(1) : loc
    return [{ path, message: item.msg.replace(/^Value error, /, '') }]
  })
}

function describe(status: number, detail: unknown, fields: FieldError[]): string {
  if (typeof detail === 'string' && detail !== '') return detail
  if (fields.length > 0) {
    return fields.map((f) => (f.path.length ? `${f.path.join('.')}: ${f.message}` : f.message)).join('; ')
  }
  if (status === 0) return 'cannot reach the backend'
  return `request failed with HTTP ${status}`
}

export class ApiError extends Error {
  readonly status: number
  readonly detail: unknown
  readonly fieldErrors: FieldError[]

  constructor(status: number, detail: unknown) {
    const fields = fieldErrorsFrom(detail)
    super(describe(status, detail, fields))
    this.name = 'ApiError'
    this.status = status
    this.detail = detail
    this.fieldErrors = fields
  }

  get isForbidden(): boolean {
    return this.status === 403
  }

  get isUnauthorized(): boolean {
    return this.status === 401
  }
}

/** Build an ApiError from whatever an error body looked like ({detail}, text, nothing). */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object' && 'detail' in body) return new ApiError(status, (body as { detail: unknown }).detail)
  if (typeof body === 'string' && body.trim() !== '') return new ApiError(status, body.trim())
  return new ApiError(status, undefined)
}
