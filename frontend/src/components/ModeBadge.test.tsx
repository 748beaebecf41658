import { render, screen } from '@testing-library/react'

import { ModeBadge } from './ModeBadge'

describe('ModeBadge', () => {
  it('makes LIVE loud: solid, with "MONEY" spelled out', () => {
    render(<ModeBadge mode="live" />)
    const badge = screen.getByTestId('mode-badge')
    expect(badge).toHaveTextContent('LIVE MONEY')
    expect(badge).toHaveAccessibleName('trading mode LIVE')
  })

  it('tells SIM and PAPER apart by label and colour', () => {
    const { rerender } = render(<ModeBadge mode="sim" />)
    const sim = screen.getByTestId('mode-badge')
    const simClass = sim.className
    expect(sim).toHaveTextContent('SIM')
    rerender(<ModeBadge mode="paper" />)
    const paper = screen.getByTestId('mode-badge')
    expect(paper).toHaveTextContent('PAPER')
    expect(paper.className).not.toBe(simClass)
  })

  it('admits when the mode is unknown', () => {
    render(<ModeBadge mode={undefined} />)
    expect(screen.getByTestId('mode-badge')).toHaveTextContent('MODE ?')
  })
})
