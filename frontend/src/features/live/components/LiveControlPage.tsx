import { Space, Typography } from 'antd'

import { Pending } from '@/components/Pending'

/** Watch and control the running strangle. */
export function LiveControlPage() {
  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2} style={{ margin: 0 }}>
        Live Control
      </Typography.Title>
      <Pending what="Live Control" endpoints={['/api/trading/runtime', '/api/trading/control', '/api/trading/stream']} />
    </Space>
  )
}
