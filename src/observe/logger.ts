// Log lines of a tsgi process: one line per event, optionally dated (`log-date`), to stderr or `logto`. When
// stderr is systemd's journal, each line carries its `<N>` priority instead of a date (journal.ts).
import { formatDate } from './format-date.js'
import { isStderrJournal, withPriority, type LogLevel } from './journal.js'

export interface LoggerOptions {
  /** `log-date`: a strftime format, or undefined for undated lines. */
  readonly dateFormat?: string | undefined
  /** Where lines go; stderr unless `logto` opened a file. */
  readonly write?: (line: string) => void
  /** Put before every line, after the date: a vassal's name (`[shop.ini] `), so lines say whose they are. */
  readonly prefix?: string
}

export class Logger {
  readonly #dateFormat: string | undefined
  readonly #write: (line: string) => void
  readonly #prefix: string
  /** Lines go to the journal: priorities, no dates. Only stderr can be the journal, never a `logto` file. */
  readonly #isJournal: boolean

  constructor(options: LoggerOptions = {}) {
    this.#isJournal = options.write === undefined && isStderrJournal()
    this.#dateFormat = this.#isJournal ? undefined : options.dateFormat
    this.#prefix = options.prefix ?? ''
    this.#write = options.write ?? ((line) => process.stderr.write(line))
  }

  /** Writes one line; embedded newlines are kept on separate lines, each with the same date. */
  log(message: string, level: LogLevel = 'info'): void {
    const prefix = this.#dateFormat === undefined ? '' : `${formatDate(this.#dateFormat, new Date())} - `
    const text = message
      .split('\n')
      .map((line) => `${prefix}${this.#prefix}${line}`)
      .join('\n')
    this.#write(`${this.#isJournal ? withPriority(text, level) : text}\n`)
  }

  /** A line about something that went wrong but that tsgi works around (journal priority 4). */
  warn(message: string): void {
    this.log(message, 'warning')
  }

  /** A line about something that failed (journal priority 3). */
  error(message: string): void {
    this.log(message, 'error')
  }
}
