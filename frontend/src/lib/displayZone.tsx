import { createContext, useContext } from 'react'

import { env } from './env'

/** The IANA zone the operator chose for display next to UTC (Asia/Kolkata by default). */
export const DisplayZoneContext = createContext<string>(env.defaultTimeZone)

/** Return the display time zone. */
export function useDisplayZone(): string {
  return useContext(DisplayZoneContext)
}
