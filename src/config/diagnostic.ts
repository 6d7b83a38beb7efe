import { codes, type Code, type ParamsOf } from '../errors/codes.js'
import { TsgiError, type Where } from '../errors/tsgi-error.js'

/** One finding of the config loader: an error (nothing starts) or a warning (reported, then ignored). */
export interface Diagnostic {
  readonly severity: 'error' | 'warning'
  readonly code: Code
  readonly message: string
  readonly where: Where | undefined
}

/** Collects every finding of one load, so `tsgi check` can report them all rather than the first. */
export class DiagnosticList {
  readonly #items: Diagnostic[] = []

  add<C extends Code>(code: C, params: ParamsOf<C>, where?: Where): void {
    const template = codes[code].message as (p: ParamsOf<C>) => string
    this.#items.push({
      severity: codes[code].kind === 'warning' ? 'warning' : 'error',
      code,
      message: template(params),
      where,
    })
  }

  addError(error: TsgiError): void {
    this.#items.push({ severity: 'error', code: error.code, message: error.message, where: error.where })
  }

  get items(): readonly Diagnostic[] {
    return this.#items
  }

  get hasErrors(): boolean {
    return this.#items.some((d) => d.severity === 'error')
  }

  /** The first error as a TsgiError, for callers that stop at once. */
  firstError(): TsgiError | undefined {
    const first = this.#items.find((d) => d.severity === 'error')
    if (first === undefined) return undefined
    return new TsgiError(first.code, first.message, { where: first.where })
  }
}
