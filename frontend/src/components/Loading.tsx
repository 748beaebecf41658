import { Spin } from 'antd'

/** A spinner that assistive technology announces by `label` (a status region; a bare Spin has no role). */
export function Loading({ label, size }: { label: string; size?: 'small' | 'default' | 'large' }) {
  return (
    <div role="status" aria-label={label}>
      <Spin size={size} />
    </div>
  )
}
