import { Tag } from 'antd'

const COLOURS: Record<string, string> = { DEBUG: 'default', INFO: 'blue', WARNING: 'gold', ERROR: 'red', CRITICAL: 'magenta', RAW: 'purple' }

/** A coloured tag for a log level. */
export function LevelTag({ level }: { level: string }) {
  return <Tag color={COLOURS[level] ?? 'default'}>{level}</Tag>
}
