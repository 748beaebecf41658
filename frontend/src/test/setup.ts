import '@testing-library/jest-dom/vitest'

import { cleanup, configure } from '@testing-library/react'
import { afterEach } from 'vitest'

// Ant Design pages render slowly under jsdom on a busy 2-core machine; give findBy* some room.
configure({ asyncUtilTimeout: 8000 })

afterEach(() => {
  cleanup()
  sessionStorage.clear()
  localStorage.clear()
})

// jsdom lacks these browser APIs that Ant Design reads.
if (!window.matchMedia) {
  Object.defineProperty(window, 'matchMedia', {
    writable: true,
    value: (query: string) => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => {},
      removeListener: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      dispatchEvent: () => false,
    }),
  })
}
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= NoopResizeObserver as unknown as typeof ResizeObserver
// jsdom's getComputedStyle walks every stylesheet Ant Design injects and dominates test time; the
// components under test only read inline layout values from it, so the element's own style will do.
window.getComputedStyle = ((elt: Element) => (elt as HTMLElement).style ?? ({} as CSSStyleDeclaration)) as typeof window.getComputedStyle
