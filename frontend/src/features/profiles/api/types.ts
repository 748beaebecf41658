import type { components } from '@/types/api.gen'

export type Profile = components['schemas']['ProfileOut']
export type ProfileVersion = components['schemas']['ProfileVersionOut']
export type StrategyConfigIn = components['schemas']['StrategyConfig-Input']
export type StrategyConfigOut = Profile['config']
