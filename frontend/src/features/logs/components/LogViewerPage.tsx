import { Space, Typography } from 'antd'

import { Pending } from '@/components/Pending'

/** Search the backend's structured logs. */
export function LogViewerPage() {
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Log Viewer
      </Typography.Title>
      <Pending what="Log Viewer" endpoints={['/api/logs/backend', '/api/logs/backend/summary']} />
    </Space>
  )
}
