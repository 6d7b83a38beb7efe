// What a source reader needs to know about the file it reads.
import type { MagicTable } from '../ini/magic-variables.js'

export interface FileContext {
  /** The file's name as shown in messages (the path as the user wrote it, resolved against its includer). */
  readonly displayName: string
  /** Directory that relative paths inside the file are taken from. */
  readonly baseDir: string
  /** The section asked for with FILE:SECTION, or undefined for the default ([uwsgi], then [tsgi]). */
  readonly section: string | undefined
  readonly magic: MagicTable
  /** False inside `inherit`ed files (no $(), @() or %() expansion). */
  readonly isExpanded: boolean
}

/** The sections read when none is named: [uwsgi] first, then [tsgi], which overrides it. */
export const defaultSections = ['uwsgi', 'tsgi'] as const
