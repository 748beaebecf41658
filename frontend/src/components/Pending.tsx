import { Alert, Typography } from 'antd'

/** State honestly that a page waits for backend endpoints that do not exist yet. */
export function Pending({ what, endpoints }: { what: string; endpoints: string[] }) {
  return (
    <Alert
      type="info"
      showIcon
      title={`${what} is not available yet`}
      description={
        <>
          The backend does not serve these endpoints yet:{' '}
          {endpoints.map((e, i) => (
            <span key={e}>
              {i > 0 && ', '}
              <Typography.Text code>{e}</Typography.Text>
            </span>
          ))}
          . This page fills in as soon as they land.
        </>
      }
    />
  )
}
