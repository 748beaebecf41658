import { MoonOutlined, SunOutlined } from '@ant-design/icons'
import { Switch, Tooltip } from 'antd'

import type { ThemeName } from '@/lib/preferences'

/** Switch between light and dark themes. */
export function ThemeToggle({ theme, onChange }: { theme: ThemeName; onChange: (theme: ThemeName) => void }) {
  return (
    <Tooltip title={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'}>
      <Switch
        aria-label="dark theme"
        checked={theme === 'dark'}
        onChange={(dark) => onChange(dark ? 'dark' : 'light')}
        checkedChildren={<MoonOutlined />}
        unCheckedChildren={<SunOutlined />}
      />
    </Tooltip>
  )
}
