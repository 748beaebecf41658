import { Alert } from 'antd'

import { ApiError } from '@/lib/apiError'

/** Say plainly what went wrong with an API call; a 403 names the missing permission. */
export function ApiErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null
  if (error instanceof ApiError && error.isForbidden) {
    return (
      <Alert
        type="warning"
        showIcon
        role="alert"
        title="You do not have permission for this"
        description={`The server refused: ${error.message}. Ask an admin if you need it.`}
      />
    )
  }
  const message = error instanceof Error ? error.message : String(error)
  return <Alert type="error" showIcon role="alert" title={title ?? 'Something went wrong'} description={message} />
}
