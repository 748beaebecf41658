/**
 * The two themes as Ant Design configs. Ant Design's defaults miss WCAG AA contrast (4.5:1 for
 * text) in several places this dashboard uses: grey secondary text and placeholders, the default
 * blue links, danger, warning and success text, coloured tags (gold, green, orange on their pale
 * backgrounds; purple, blue, red on their dark ones) and white text on the dark theme's light
 * primary. Each override below fixes one of those; the axe check in e2e/a11y.spec.ts proves the
 * result in both themes on every page.
 */
import { theme as antdTheme, type ThemeConfig } from 'antd'

import type { ThemeName } from '@/lib/preferences'

/**
 * Tag text colours. Ant Design writes a preset tag's text in step 7 of its palette (the token
 * `<colour>7`) on step 1; these are later steps of the same palettes (@ant-design/colors), each at
 * least 4.5:1 on its tag's background. Only the Tag component sees these tokens.
 */
const TAG_TEXT: Record<ThemeName, Record<string, string>> = {
  // Light tags are pale: step 8 (gold, lime, yellow: step 9).
  light: {
    blue7: '#003eb3', geekblue7: '#10239e', purple7: '#391085', magenta7: '#9e1068', red7: '#a8071a', volcano7: '#ad2102',
    orange7: '#ad4e00', green7: '#237804', cyan7: '#006d75', gold7: '#874d00', lime7: '#3f6600', yellow7: '#876800',
  },
  // Dark tags are near-black: step 8 of the dark palettes.
  dark: {
    blue7: '#65a9f3', geekblue7: '#7f9ef3', purple7: '#ab7ae0', magenta7: '#f37fb7', red7: '#f37370', volcano7: '#f3956a',
    orange7: '#f3b765', green7: '#8fd460', cyan7: '#58d1c9', gold7: '#f3cc62', lime7: '#c9e75d', yellow7: '#f3ea62',
  },
}

const LIGHT: ThemeConfig = {
  algorithm: antdTheme.defaultAlgorithm,
  token: {
    colorPrimary: '#0e6b82', // 6.1:1 on white, and white text on it
    colorLink: '#0e6b82',
    colorError: '#cf1322', // danger text on the grey page background, white text on Panic
    // Warning and success text (the stock amber and green are 1.9:1 and 2.3:1 on white); icons and
    // alert backgrounds keep the stock colours.
    colorWarningText: '#874d00',
    colorSuccessText: '#237804',
    colorTextTertiary: 'rgba(0, 0, 0, 0.6)', // labels, descriptions, empty states: 5.2:1 on #f5f5f5
    colorTextDescription: 'rgba(0, 0, 0, 0.6)',
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.56)',
  },
  components: {
    // The palette Ant Design derives from a dark teal makes a greyish selected row; use a clear tint.
    Menu: { itemSelectedBg: '#dceff3', itemSelectedColor: '#0a5264' },
    // An empty table's "No data" is written in the disabled grey; it is information, not a disabled control.
    Table: { colorTextDisabled: 'rgba(0, 0, 0, 0.6)' },
    Tag: TAG_TEXT.light,
  },
}

const DARK: ThemeConfig = {
  algorithm: antdTheme.darkAlgorithm,
  token: {
    colorPrimary: '#38bdf8',
    colorLink: '#38bdf8',
    colorError: '#ff7875', // the dark algorithm makes it #dc6966: 5.5:1 on the container (the stock red is 4.3:1)
    colorTextTertiary: 'rgba(255, 255, 255, 0.6)',
    colorTextDescription: 'rgba(255, 255, 255, 0.6)',
    colorTextPlaceholder: 'rgba(255, 255, 255, 0.5)',
  },
  components: {
    // A primary light enough to read as a link on black is too light for white text: buttons
    // filled with it (and with the danger red) carry near-black text instead.
    Button: { primaryColor: '#0a0a0a', dangerColor: '#0a0a0a' },
    // The selected page: a lighter sky blue on the derived dark tint (6:1).
    Menu: { itemSelectedColor: '#7dd3fc' },
    Table: { colorTextDisabled: 'rgba(255, 255, 255, 0.6)' },
    Tag: TAG_TEXT.dark,
  },
}

/** The Ant Design theme config for a theme name. */
export function themeConfig(name: ThemeName): ThemeConfig {
  return name === 'dark' ? DARK : LIGHT
}
