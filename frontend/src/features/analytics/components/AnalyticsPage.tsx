import { Space, Typography } from 'antd'

import { Pending } from '@/components/Pending'

/** Performance over a date range. */
export function AnalyticsPage() {
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Analytics
      </Typography.Title>
      <Pending what="Analytics" endpoints={['/api/analytics/history', '/api/analytics/export']} />
    </Space>
  )
}
