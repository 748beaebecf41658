import { Space, Typography } from 'antd'

import { Pending } from '@/components/Pending'

/** Browse past sessions. */
export function HistoryPage() {
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        History
      </Typography.Title>
      <Pending what="History" endpoints={['/api/trading/sessions']} />
    </Space>
  )
}
