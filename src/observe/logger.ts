// Log lines of a tsgi process: one line per event, optionally dated (`log-date`), to stderr or `logto`.
import { formatDate } from './format-date.js'

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

  constructor(options: LoggerOptions = {}) {
    this.#dateFormat = options.dateFormat
    this.#prefix = options.prefix ?? ''
    this.#write = options.write ?? ((line) => process.stderr.write(line))
  }

  /** Writes one line; embedded newlines are kept on separate lines, each with the same date. */
  log(message: string): void {
    const prefix = this.#dateFormat === undefined ? '' : `${formatDate(this.#dateFormat, new Date())} - `
    const text = message
      .split('\n')
      .map((line) => `${prefix}${this.#prefix}${line}`)
      .join('\n')
    this.#write(`${text}\n`)
  }
}
